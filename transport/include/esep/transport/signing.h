#ifndef ESEP_TRANSPORT_SIGNING_H_
#define ESEP_TRANSPORT_SIGNING_H_

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/proto/precinct_protocol.pb.h"
#include "esep/proto/signed.pb.h"

namespace esep::transport {

// What a signature is for. Each domain has its own prefix in front of the signed bytes, so a
// signature made for one kind of message can never be passed off as another.
enum class SigningDomain {
  kPrecinctProtocol,  // "esep/precinct-protocol/v1\n"
  kReceipt,           // "esep/receipt/v1\n"
  kSiteManifest,      // "esep/site-manifest/v1\n": the public results site's manifest
};
std::string_view DomainPrefix(SigningDomain domain);

inline constexpr std::size_t kPublicKeySize = 32;
inline constexpr std::size_t kSignatureSize = 64;
inline constexpr std::size_t kSeedSize = 32;

// An Ed25519 signing key (libsodium). Move-only; the secret is wiped when the key goes away.
class SigningKey {
 public:
  // A fresh key from the system's random source.
  static SigningKey Generate();
  // The key of a 32-byte seed (the form in which keys are stored).
  static absl::StatusOr<SigningKey> FromSeed(std::span<const std::uint8_t> seed);

  SigningKey(SigningKey&& other) noexcept;
  SigningKey& operator=(SigningKey&& other) noexcept;
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;
  ~SigningKey();

  // The 32 raw bytes of the public key.
  std::string public_key() const;
  // Ed25519 over DomainPrefix(domain) followed by `message`: 64 bytes.
  std::string Sign(SigningDomain domain, std::string_view message) const;

 private:
  SigningKey() = default;
  std::array<std::uint8_t, 64> secret_{};
  std::array<std::uint8_t, kPublicKeySize> public_{};
};

// OK when `signature` is `public_key`'s Ed25519 signature of the domain's prefix and `message`.
absl::Status VerifySignature(SigningDomain domain, std::string_view message,
                             std::string_view signature, std::string_view public_key);

// A short name for a public key, printed on reports and in logs: the first 16 hex digits of the
// SHA-256 of its 32 bytes.
std::string KeyId(std::string_view public_key);

// Keys on disk: `path` holds the 32-byte seed, readable by its owner only (0600, in a directory
// that is not writable by others); `path` + ".pub" holds the public key in hex for publishing.
// LoadOrCreateKey makes the key on first start, atomically; LoadKey refuses a missing key or one
// that others may read.
absl::StatusOr<SigningKey> LoadOrCreateKey(const std::filesystem::path& path);
absl::StatusOr<SigningKey> LoadKey(const std::filesystem::path& path);
// Reads a published public key: 64 hex digits (a ".pub" file), surrounding whitespace allowed.
absl::StatusOr<std::string> LoadPublicKey(const std::filesystem::path& path);
absl::StatusOr<std::string> ParsePublicKeyHex(std::string_view hex);

// Serializes `protocol` deterministically and signs exactly those bytes.
SignedProtocol SignProtocol(const PrecinctProtocol& protocol, const SigningKey& key);
// Checks the signature first, against `expected_public_key` when it is not empty (and against
// the key carried in the envelope otherwise), and only then parses the protocol.
absl::StatusOr<PrecinctProtocol> VerifyProtocol(const SignedProtocol& signed_protocol,
                                                std::string_view expected_public_key);

Receipt SignReceipt(const ReceiptBody& body, const SigningKey& key);
absl::StatusOr<ReceiptBody> VerifyReceipt(const Receipt& receipt,
                                          std::string_view expected_public_key);

}  // namespace esep::transport

#endif  // ESEP_TRANSPORT_SIGNING_H_
