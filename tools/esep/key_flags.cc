#include "key_flags.h"

#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "esep/proto/sha256.h"
#include "esep/transport/signing.h"

namespace esep::cli {

bool WantsTokenKey(const CommandLine& cl) { return cl.Has("pkcs11-token"); }

absl::StatusOr<transport::TokenKeyOptions> TokenKeyOptionsFromFlags(const CommandLine& cl) {
  for (const char* flag : {"pkcs11-token", "pkcs11-key", "pkcs11-pin-file"}) {
    if (!cl.Has(flag)) {
      return absl::InvalidArgumentError(
          absl::StrCat("a key in a token needs --pkcs11-token, --pkcs11-key and "
                       "--pkcs11-pin-file; --",
                       flag, " is missing"));
    }
  }
  absl::StatusOr<std::string> pin = transport::ReadPinFile(*cl.Get("pkcs11-pin-file"));
  if (!pin.ok()) return pin.status();
  return transport::TokenKeyOptions{
      cl.Get("pkcs11-module").value_or("/usr/lib/softhsm/libsofthsm2.so"), *cl.Get("pkcs11-token"),
      *cl.Get("pkcs11-key"), *std::move(pin)};
}

absl::StatusOr<std::unique_ptr<transport::Signer>> OpenSigner(const CommandLine& cl,
                                                              const std::filesystem::path& key_file,
                                                              bool create_file_key) {
  if (!WantsTokenKey(cl)) {
    absl::StatusOr<transport::SigningKey> key =
        create_file_key ? transport::LoadOrCreateKey(key_file) : transport::LoadKey(key_file);
    if (!key.ok()) return key.status();
    return transport::MakeFileSigner(*std::move(key), key_file.string());
  }
  absl::StatusOr<transport::TokenKeyOptions> options = TokenKeyOptionsFromFlags(cl);
  if (!options.ok()) return options.status();
  absl::StatusOr<std::unique_ptr<transport::Signer>> signer = transport::OpenTokenKey(*options);
  if (!signer.ok()) return signer.status();
  const std::filesystem::path published = key_file.string() + ".pub";
  if (std::filesystem::exists(published)) {
    absl::StatusOr<std::string> expected = transport::LoadPublicKey(published);
    if (!expected.ok()) return expected.status();
    if (*expected != (*signer)->public_key()) {
      return absl::FailedPreconditionError(absl::StrCat(
          (*signer)->Description(), " is key ", transport::KeyId((*signer)->public_key()),
          ", not the published key ", transport::KeyId(*expected), " of ", published.string()));
    }
  } else if (create_file_key) {
    std::error_code ec;
    std::filesystem::create_directories(published.parent_path(), ec);
    std::ofstream out(published);
    const std::string& key = (*signer)->public_key();
    out << ToHex(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(key.data()),
                                               key.size()))
        << "\n";
    if (!out.flush()) {
      return absl::InternalError(absl::StrCat("cannot write ", published.string()));
    }
  } else {
    return absl::NotFoundError(absl::StrCat("the published public key ", published.string(),
                                            " is missing; it is written at set-up"));
  }
  return signer;
}

}  // namespace esep::cli
