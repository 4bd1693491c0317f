#ifndef ESEP_TRANSPORT_KEY_STORE_H_
#define ESEP_TRANSPORT_KEY_STORE_H_

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "esep/transport/signing.h"

namespace esep::transport {

// Where a signing key lives: the reader's protocol key and the centre's receipt key are used only
// through this interface. A token key (PKCS#11: a hardware security module, a secure element on
// the box, SoftHSM2 in tests) never leaves its token; a file key is for development and says so
// wherever it signs.
class Signer {
 public:
  virtual ~Signer() = default;
  // The 32 raw bytes of the Ed25519 public key.
  virtual const std::string& public_key() const = 0;
  // Ed25519 over DomainPrefix(domain) followed by `message`: 64 bytes, checked against
  // public_key() before it is returned.
  virtual absl::StatusOr<std::string> Sign(SigningDomain domain,
                                           std::string_view message) const = 0;
  // True when the key is held by a token and cannot be read out.
  virtual bool in_token() const = 0;
  // What signs, for reports and logs: "PKCS#11 token "esep-reader", key "reader"" or
  // "file key /var/lib/esep/keys/reader.key (development only)".
  virtual std::string Description() const = 0;
};

// Serializes `protocol` deterministically and signs exactly those bytes with `signer`; a token
// that cannot sign is an error (the protocol stays unsigned, nothing is queued).
absl::StatusOr<SignedProtocol> SignProtocol(const PrecinctProtocol& protocol, const Signer& signer);
absl::StatusOr<Receipt> SignReceipt(const ReceiptBody& body, const Signer& signer);

// A key from a file (LoadKey/LoadOrCreateKey), or made in memory for tests.
std::unique_ptr<Signer> MakeFileSigner(SigningKey key, std::string path);

// A key in a PKCS#11 token, found by the token's label and the key's label (CKA_LABEL).
struct TokenKeyOptions {
  std::string module;       // the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so
  std::string token_label;  // the token's label (CK_TOKEN_INFO.label)
  std::string key_label;    // the key pair's CKA_LABEL
  std::string pin;          // the user PIN (read from a file, never from the command line)
};

// Reads a PIN from a file that only its owner may read (0600 or stricter), without its trailing
// newline.
absl::StatusOr<std::string> ReadPinFile(const std::filesystem::path& path);

// Opens the token and finds the Ed25519 key pair labelled `key_label`.
absl::StatusOr<std::unique_ptr<Signer>> OpenTokenKey(const TokenKeyOptions& options);

// Generates an Ed25519 key pair labelled `key_label` inside the token (private key sensitive and
// not extractable) and returns its 32-byte public key. Refused when the label is taken.
absl::StatusOr<std::string> GenerateTokenKey(const TokenKeyOptions& options);

}  // namespace esep::transport

#endif  // ESEP_TRANSPORT_KEY_STORE_H_
