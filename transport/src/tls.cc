#include "esep/transport/tls.h"

#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "esep/proto/sha256.h"

namespace esep::transport {

absl::StatusOr<std::string> ReadPemFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path.string()));
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), " is not a PEM file (no -----BEGIN line)"));
  }
  return text.str();
}

absl::StatusOr<TlsFiles> LoadTlsFiles(const std::filesystem::path& certificate,
                                      const std::filesystem::path& key,
                                      const std::filesystem::path& ca) {
  TlsFiles files;
  for (auto [path, text] :
       {std::pair{&certificate, &files.certificate_pem}, std::pair{&key, &files.private_key_pem},
        std::pair{&ca, &files.ca_pem}}) {
    if (path->empty()) continue;
    absl::StatusOr<std::string> pem = ReadPemFile(*path);
    if (!pem.ok()) return pem.status();
    *text = *std::move(pem);
  }
  return files;
}

absl::StatusOr<std::string> CertificateFingerprint(std::string_view pem) {
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  const std::size_t begin = pem.find(kBegin);
  const std::size_t end = begin == std::string_view::npos ? begin : pem.find(kEnd, begin);
  if (end == std::string_view::npos) {
    return absl::InvalidArgumentError("no PEM certificate (-----BEGIN CERTIFICATE-----) found");
  }
  std::string base64;
  for (char c : pem.substr(begin + kBegin.size(), end - begin - kBegin.size())) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') base64.push_back(c);
  }
  std::string der;
  if (!absl::Base64Unescape(base64, &der) || der.empty()) {
    return absl::InvalidArgumentError("the PEM certificate's base64 body is damaged");
  }
  const Sha256Digest digest = Sha256(der);
  return ToHex(digest);
}

}  // namespace esep::transport
