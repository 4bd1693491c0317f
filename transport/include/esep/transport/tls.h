#ifndef ESEP_TRANSPORT_TLS_H_
#define ESEP_TRANSPORT_TLS_H_

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace esep::transport {

// The PEM texts one side of a mutual-TLS connection needs: its own certificate and private key,
// and the certificate authority it trusts for the other side.
struct TlsFiles {
  std::string certificate_pem;
  std::string private_key_pem;
  std::string ca_pem;
};

// Reads a PEM file, refusing one that holds no "-----BEGIN" block.
absl::StatusOr<std::string> ReadPemFile(const std::filesystem::path& path);

// Loads the three files; `certificate` and `key` may be empty paths (a client without a
// certificate, which the centre refuses).
absl::StatusOr<TlsFiles> LoadTlsFiles(const std::filesystem::path& certificate,
                                      const std::filesystem::path& key,
                                      const std::filesystem::path& ca);

// Hex SHA-256 of the DER bytes of the first certificate in `pem`: the same value as
// `openssl x509 -noout -fingerprint -sha256` prints, lower-case and without colons.
absl::StatusOr<std::string> CertificateFingerprint(std::string_view pem);

}  // namespace esep::transport

#endif  // ESEP_TRANSPORT_TLS_H_
