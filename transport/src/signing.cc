#include "esep/transport/signing.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "esep/proto/deterministic.h"
#include "esep/proto/sha256.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace esep::transport {
namespace {

void InitSodium() {
  // sodium_init is idempotent and thread-safe; a failure means no usable random source.
  if (sodium_init() < 0) {
    std::abort();
  }
}

std::string SignedBytes(SigningDomain domain, std::string_view message) {
  std::string bytes(DomainPrefix(domain));
  bytes.append(message);
  return bytes;
}

std::string ErrnoText() { return std::strerror(errno); }

// Writes `bytes` to `path` with `mode`, atomically (temporary file, fsync, rename, fsync of the
// directory), refusing to replace an existing file.
absl::Status WriteNewFile(const std::filesystem::path& path, std::string_view bytes, mode_t mode) {
  const std::filesystem::path temporary = path.string() + ".new";
  ::unlink(temporary.c_str());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", temporary.string(), ": ", ErrnoText()));
  }
  const bool written =
      ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) &&
      ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(temporary.c_str());
    return absl::InternalError(
        absl::StrCat("cannot write ", temporary.string(), ": ", ErrnoText()));
  }
  if (::link(temporary.c_str(), path.c_str()) != 0) {
    const std::string error = ErrnoText();
    ::unlink(temporary.c_str());
    return absl::AlreadyExistsError(absl::StrCat("cannot create ", path.string(), ": ", error));
  }
  ::unlink(temporary.c_str());
  const int dir = ::open(path.parent_path().empty() ? "." : path.parent_path().c_str(),
                         O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view DomainPrefix(SigningDomain domain) {
  switch (domain) {
    case SigningDomain::kPrecinctProtocol:
      return "esep/precinct-protocol/v1\n";
    case SigningDomain::kReceipt:
      return "esep/receipt/v1\n";
    case SigningDomain::kSiteManifest:
      return "esep/site-manifest/v1\n";
  }
  return "esep/unknown\n";
}

SigningKey SigningKey::Generate() {
  InitSodium();
  SigningKey key;
  crypto_sign_ed25519_keypair(key.public_.data(), key.secret_.data());
  return key;
}

absl::StatusOr<SigningKey> SigningKey::FromSeed(std::span<const std::uint8_t> seed) {
  if (seed.size() != kSeedSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("a signing key's seed is ", kSeedSize, " bytes, not ", seed.size()));
  }
  InitSodium();
  SigningKey key;
  crypto_sign_ed25519_seed_keypair(key.public_.data(), key.secret_.data(), seed.data());
  return key;
}

SigningKey::SigningKey(SigningKey&& other) noexcept
    : secret_(other.secret_), public_(other.public_) {
  sodium_memzero(other.secret_.data(), other.secret_.size());
}

SigningKey& SigningKey::operator=(SigningKey&& other) noexcept {
  if (this != &other) {
    secret_ = other.secret_;
    public_ = other.public_;
    sodium_memzero(other.secret_.data(), other.secret_.size());
  }
  return *this;
}

SigningKey::~SigningKey() { sodium_memzero(secret_.data(), secret_.size()); }

std::string SigningKey::public_key() const {
  return std::string(reinterpret_cast<const char*>(public_.data()), public_.size());
}

std::string SigningKey::Sign(SigningDomain domain, std::string_view message) const {
  const std::string bytes = SignedBytes(domain, message);
  std::string signature(kSignatureSize, '\0');
  crypto_sign_ed25519_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                               reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                               secret_.data());
  return signature;
}

absl::Status VerifySignature(SigningDomain domain, std::string_view message,
                             std::string_view signature, std::string_view public_key) {
  if (public_key.size() != kPublicKeySize) {
    return absl::InvalidArgumentError(absl::StrCat("a public key is ", kPublicKeySize,
                                                   " bytes, this one is ", public_key.size()));
  }
  if (signature.size() != kSignatureSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("a signature is ", kSignatureSize, " bytes, this one is ", signature.size()));
  }
  InitSodium();
  const std::string bytes = SignedBytes(domain, message);
  if (crypto_sign_ed25519_verify_detached(
          reinterpret_cast<const unsigned char*>(signature.data()),
          reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
          reinterpret_cast<const unsigned char*>(public_key.data())) != 0) {
    return absl::UnauthenticatedError(
        absl::StrCat("the signature does not match key ", KeyId(public_key),
                     ": the data was altered or signed by another key"));
  }
  return absl::OkStatus();
}

std::string KeyId(std::string_view public_key) { return ToHex(Sha256(public_key)).substr(0, 16); }

absl::StatusOr<SigningKey> LoadKey(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot open signing key ", path.string(), ": ", ErrnoText()));
  }
  struct stat info {};
  std::array<std::uint8_t, kSeedSize + 1> seed{};
  ssize_t got = -1;
  if (::fstat(fd, &info) == 0) {
    got = ::read(fd, seed.data(), seed.size());
  }
  ::close(fd);
  absl::Status problem = absl::OkStatus();
  if (got < 0) {
    problem = absl::InternalError(absl::StrCat("cannot read ", path.string(), ": ", ErrnoText()));
  } else if (!S_ISREG(info.st_mode) || (info.st_mode & 077) != 0) {
    problem = absl::PermissionDeniedError(absl::StrCat(
        "signing key ", path.string(), " may be read by others (mode ",
        absl::StrFormat("%04o", info.st_mode & 07777), "): it must be 0600, owned by the daemon"));
  } else if (info.st_uid != ::geteuid()) {
    problem = absl::PermissionDeniedError(
        absl::StrCat("signing key ", path.string(), " belongs to another user"));
  } else if (got != static_cast<ssize_t>(kSeedSize)) {
    problem = absl::DataLossError(absl::StrCat("signing key ", path.string(), " is ", got,
                                               " bytes, not ", kSeedSize, ": it is damaged"));
  }
  if (!problem.ok()) {
    sodium_memzero(seed.data(), seed.size());
    return problem;
  }
  absl::StatusOr<SigningKey> key = SigningKey::FromSeed(std::span(seed.data(), kSeedSize));
  sodium_memzero(seed.data(), seed.size());
  return key;
}

absl::StatusOr<SigningKey> LoadOrCreateKey(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::exists(path, error)) {
    return LoadKey(path);
  }
  const std::filesystem::path directory =
      path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  std::filesystem::create_directories(directory, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", directory.string(), ": ", error.message()));
  }
  struct stat info {};
  if (::stat(directory.c_str(), &info) != 0 || (info.st_mode & 022) != 0) {
    return absl::PermissionDeniedError(absl::StrCat("the key directory ", directory.string(),
                                                    " may be written by others; make it 0700"));
  }
  const std::filesystem::path public_path = path.string() + ".pub";
  if (std::filesystem::exists(public_path, error)) {
    // A published key without its private half: the key was lost. A new one would sign
    // protocols the centre cannot verify, and overwriting the .pub would hide the loss.
    return absl::FailedPreconditionError(absl::StrCat(
        "the signing key ", path.string(), " is missing but its public key ", public_path.string(),
        " exists: the key was lost; restore it rather than make a new one"));
  }
  InitSodium();
  std::array<std::uint8_t, kSeedSize> seed{};
  randombytes_buf(seed.data(), seed.size());
  absl::Status written = WriteNewFile(
      path, std::string_view(reinterpret_cast<const char*>(seed.data()), seed.size()), 0600);
  sodium_memzero(seed.data(), seed.size());
  if (!written.ok()) {
    return written;
  }
  absl::StatusOr<SigningKey> key = LoadKey(path);
  if (!key.ok()) {
    return key;
  }
  absl::Status published = WriteNewFile(
      public_path,
      absl::StrCat(ToHex(std::span(reinterpret_cast<const std::uint8_t*>(key->public_key().data()),
                                   kPublicKeySize)),
                   "\n"),
      0644);
  if (!published.ok()) {
    return published;
  }
  return key;
}

absl::StatusOr<std::string> ParsePublicKeyHex(std::string_view hex) {
  const absl::string_view stripped =
      absl::StripAsciiWhitespace(absl::string_view(hex.data(), hex.size()));
  hex = std::string_view(stripped.data(), stripped.size());
  if (hex.size() != kPublicKeySize * 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("a public key is ", kPublicKeySize * 2, " hex digits, not ", hex.size()));
  }
  std::string key(kPublicKeySize, '\0');
  std::size_t length = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), hex.data(),
                     hex.size(), nullptr, &length, nullptr) != 0 ||
      length != kPublicKeySize) {
    return absl::InvalidArgumentError("a public key is hexadecimal digits only");
  }
  return key;
}

absl::StatusOr<std::string> LoadPublicKey(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot open public key ", path.string()));
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<std::string> key = ParsePublicKeyHex(text.str());
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path.string(), ": ", key.status().message()));
  }
  return key;
}

SignedProtocol SignProtocol(const PrecinctProtocol& protocol, const SigningKey& key) {
  SignedProtocol signed_protocol;
  signed_protocol.set_protocol(DeterministicBytes(protocol));
  signed_protocol.set_signature(
      key.Sign(SigningDomain::kPrecinctProtocol, signed_protocol.protocol()));
  signed_protocol.set_signer_public_key(key.public_key());
  return signed_protocol;
}

absl::StatusOr<PrecinctProtocol> VerifyProtocol(const SignedProtocol& signed_protocol,
                                                std::string_view expected_public_key) {
  if (!expected_public_key.empty() && signed_protocol.signer_public_key() != expected_public_key) {
    return absl::PermissionDeniedError(
        absl::StrCat("the protocol is signed by key ", KeyId(signed_protocol.signer_public_key()),
                     ", not by the expected key ", KeyId(expected_public_key)));
  }
  if (absl::Status verified =
          VerifySignature(SigningDomain::kPrecinctProtocol, signed_protocol.protocol(),
                          signed_protocol.signature(), signed_protocol.signer_public_key());
      !verified.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the precinct protocol's signature is not valid: ", verified.message()));
  }
  PrecinctProtocol protocol;
  if (!protocol.ParseFromString(signed_protocol.protocol())) {
    return absl::DataLossError("the signed precinct protocol cannot be parsed");
  }
  return protocol;
}

Receipt SignReceipt(const ReceiptBody& body, const SigningKey& key) {
  Receipt receipt;
  receipt.set_body(DeterministicBytes(body));
  receipt.set_signature(key.Sign(SigningDomain::kReceipt, receipt.body()));
  receipt.set_signer_public_key(key.public_key());
  return receipt;
}

absl::StatusOr<ReceiptBody> VerifyReceipt(const Receipt& receipt,
                                          std::string_view expected_public_key) {
  if (!expected_public_key.empty() && receipt.signer_public_key() != expected_public_key) {
    return absl::PermissionDeniedError(
        absl::StrCat("the receipt is signed by key ", KeyId(receipt.signer_public_key()),
                     ", not by the tabulation centre's key ", KeyId(expected_public_key)));
  }
  if (absl::Status verified = VerifySignature(SigningDomain::kReceipt, receipt.body(),
                                              receipt.signature(), receipt.signer_public_key());
      !verified.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the receipt's signature is not valid: ", verified.message()));
  }
  ReceiptBody body;
  if (!body.ParseFromString(receipt.body())) {
    return absl::DataLossError("the signed receipt cannot be parsed");
  }
  return body;
}

}  // namespace esep::transport
