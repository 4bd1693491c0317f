// esep key: the key ceremony for a signing key that lives in a PKCS#11 token (docs/install.md).
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "command_line.h"
#include "commands.h"
#include "esep/proto/sha256.h"
#include "esep/transport/key_store.h"
#include "esep/transport/signing.h"
#include "key_flags.h"

namespace esep::cli {
namespace {

constexpr char kUsage[] =
    "usage: esep key generate --pkcs11-token T --pkcs11-key LABEL --pkcs11-pin-file F\n"
    "                         [--pkcs11-module M] --out KEY.pub\n"
    "       esep key show --pkcs11-token T --pkcs11-key LABEL --pkcs11-pin-file F\n"
    "                     [--pkcs11-module M] [--out KEY.pub]\n"
    "generate: makes an Ed25519 key pair inside the token (the private key is never readable\n"
    "  outside it) and writes its public key, to register at the centre or give to readers.\n"
    "show: the public key and key id of a key in the token; checks that it signs.\n";

std::string PublicHex(const std::string& key) {
  return ToHex(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()));
}

int Fail(const absl::Status& status) {
  std::cerr << "esep key: " << status.message() << "\n";
  return kExitUsage;
}

absl::Status WritePublicKey(const std::string& path, const std::string& key) {
  std::ofstream out(path);
  out << PublicHex(key) << "\n";
  if (!out.flush()) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace

int RunKeyCommand(const std::vector<std::string>& args) {
  std::vector<FlagSpec> specs = kTokenKeyFlags;
  specs.push_back({"out", true, "write the public key (64 hex digits) to this file"});
  specs.push_back({"help", false, "print this help"});
  absl::StatusOr<CommandLine> cl = ParseWithAction(args, specs, {"generate", "show"});
  if (!cl.ok() || cl->Has("help")) return UsageExit("esep key", cl, kUsage, specs);
  const std::string action = cl->positional().front();
  absl::StatusOr<transport::TokenKeyOptions> options = TokenKeyOptionsFromFlags(*cl);
  if (!options.ok()) return Fail(options.status());
  if (action == "generate") {
    absl::StatusOr<std::string> out = cl->Require("out");
    if (!out.ok()) return Fail(out.status());
    absl::StatusOr<std::string> key = transport::GenerateTokenKey(*options);
    if (!key.ok()) return Fail(key.status());
    if (absl::Status s = WritePublicKey(*out, *key); !s.ok()) return Fail(s);
  }
  absl::StatusOr<std::unique_ptr<transport::Signer>> signer = transport::OpenTokenKey(*options);
  if (!signer.ok()) return Fail(signer.status());
  // Sign once, so that a token that holds the key but cannot use it is found at the ceremony,
  // not on election night.
  absl::StatusOr<std::string> check =
      (*signer)->Sign(transport::SigningDomain::kReceipt, "esep key check");
  if (!check.ok()) return Fail(check.status());
  if (action == "show" && cl->Has("out")) {
    if (absl::Status s = WritePublicKey(*cl->Get("out"), (*signer)->public_key()); !s.ok()) {
      return Fail(s);
    }
  }
  std::cout << (*signer)->Description() << "\n"
            << "public key " << PublicHex((*signer)->public_key()) << "\n"
            << "key id     " << transport::KeyId((*signer)->public_key()) << "\n"
            << (cl->Has("out") ? absl::StrCat("written to ", *cl->Get("out"), "\n") : "");
  return kExitOk;
}

}  // namespace esep::cli
