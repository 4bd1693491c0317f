#ifndef ESEP_TOOLS_ESEP_KEY_FLAGS_H_
#define ESEP_TOOLS_ESEP_KEY_FLAGS_H_

#include <filesystem>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "command_line.h"
#include "esep/transport/key_store.h"

namespace esep::cli {

// The flags that put a signing key in a PKCS#11 token, shared by esepd, esep-tabulator and
// `esep key`. The PIN comes from a file readable by its owner only, never from the command line.
// (Inline, so that other files' static flag tables may use them.)
inline const FlagSpec kPkcs11ModuleFlag = {
    "pkcs11-module", true,
    "PKCS#11 module of the token holding the signing key (default "
    "/usr/lib/softhsm/libsofthsm2.so)"};
inline const FlagSpec kPkcs11TokenFlag = {
    "pkcs11-token", true, "label of the token holding the signing key (instead of a key file)"};
inline const FlagSpec kPkcs11KeyFlag = {"pkcs11-key", true, "label of the key pair in the token"};
inline const FlagSpec kPkcs11PinFileFlag = {"pkcs11-pin-file", true,
                                            "file holding the token's user PIN (mode 0600)"};
inline const std::vector<FlagSpec> kTokenKeyFlags = {kPkcs11ModuleFlag, kPkcs11TokenFlag,
                                                     kPkcs11KeyFlag, kPkcs11PinFileFlag};

// True when the command line names a token key (--pkcs11-token).
bool WantsTokenKey(const CommandLine& cl);

// The token key the flags name (the PIN read from --pkcs11-pin-file).
absl::StatusOr<transport::TokenKeyOptions> TokenKeyOptionsFromFlags(const CommandLine& cl);

// The signer of a program: the token key when the flags name one, else the file key at
// `key_file` (made there when `create_file_key`). With a token, `key_file` + ".pub" is the
// published public key: written when `create_file_key` (set-up) and absent, and otherwise
// required to match the token's key, so a wrong token is refused before it signs anything.
absl::StatusOr<std::unique_ptr<transport::Signer>> OpenSigner(const CommandLine& cl,
                                                              const std::filesystem::path& key_file,
                                                              bool create_file_key);

}  // namespace esep::cli

#endif  // ESEP_TOOLS_ESEP_KEY_FLAGS_H_
