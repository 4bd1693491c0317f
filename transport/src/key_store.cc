#include "esep/transport/key_store.h"

#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "esep/proto/deterministic.h"

namespace esep::transport {
namespace {

class FileSigner final : public Signer {
 public:
  FileSigner(SigningKey key, std::string path)
      : key_(std::move(key)), path_(std::move(path)), public_key_(key_.public_key()) {}
  const std::string& public_key() const override { return public_key_; }
  absl::StatusOr<std::string> Sign(SigningDomain domain, std::string_view message) const override {
    return key_.Sign(domain, message);
  }
  bool in_token() const override { return false; }
  std::string Description() const override {
    return absl::StrCat("file key ", path_.empty() ? "in memory" : path_, " (development only)");
  }

 private:
  SigningKey key_;
  std::string path_;
  std::string public_key_;
};

std::string RvName(CK_RV rv) {
  switch (rv) {
    case CKR_PIN_INCORRECT:
      return "the PIN is wrong";
    case CKR_PIN_LOCKED:
      return "the PIN is locked";
    case CKR_TOKEN_NOT_PRESENT:
      return "the token is not present";
    case CKR_DEVICE_REMOVED:
      return "the token was removed";
    case CKR_DEVICE_ERROR:
      return "the token reports a device error";
    case CKR_MECHANISM_INVALID:
      return "the token does not do Ed25519 (CKM_EDDSA)";
    default:
      return absl::StrFormat("PKCS#11 error 0x%08lx", static_cast<unsigned long>(rv));
  }
}

absl::Status Fail(std::string_view what, CK_RV rv) {
  return absl::UnavailableError(absl::StrCat("PKCS#11 ", std::string(what), ": ", RvName(rv)));
}

// A loaded, initialised module with one logged-in session on the token. Sessions are not shared
// between threads: every call holds mu_.
class Token {
 public:
  static absl::StatusOr<std::unique_ptr<Token>> Open(const TokenKeyOptions& options,
                                                     bool read_write) {
    auto token = std::unique_ptr<Token>(new Token());
    token->module_ = p11_kit_module_load(options.module.c_str(), 0);
    if (token->module_ == nullptr) {
      return absl::NotFoundError(absl::StrCat("cannot load the PKCS#11 module ", options.module,
                                              ": ", p11_kit_message() ? p11_kit_message() : ""));
    }
    if (CK_RV rv = p11_kit_module_initialize(token->module_); rv != CKR_OK) {
      p11_kit_module_release(token->module_);
      token->module_ = nullptr;
      return Fail("initialise", rv);
    }
    token->initialized_ = true;
    CK_FUNCTION_LIST* f = token->module_;
    CK_ULONG count = 0;
    if (CK_RV rv = f->C_GetSlotList(CK_TRUE, nullptr, &count); rv != CKR_OK) {
      return Fail("list slots", rv);
    }
    std::vector<CK_SLOT_ID> slots(count);
    if (CK_RV rv = f->C_GetSlotList(CK_TRUE, slots.data(), &count); rv != CKR_OK) {
      return Fail("list slots", rv);
    }
    slots.resize(count);
    std::optional<CK_SLOT_ID> found;
    for (CK_SLOT_ID slot : slots) {
      CK_TOKEN_INFO info;
      if (f->C_GetTokenInfo(slot, &info) != CKR_OK) continue;
      std::string label(reinterpret_cast<const char*>(info.label), sizeof(info.label));
      label.erase(label.find_last_not_of(' ') + 1);
      if (label == options.token_label) {
        found = slot;
        break;
      }
    }
    if (!found) {
      return absl::NotFoundError(absl::StrCat("no PKCS#11 token labelled \"", options.token_label,
                                              "\" in ", options.module));
    }
    CK_FLAGS flags = CKF_SERIAL_SESSION | (read_write ? CKF_RW_SESSION : 0);
    if (CK_RV rv = f->C_OpenSession(*found, flags, nullptr, nullptr, &token->session_);
        rv != CKR_OK) {
      return Fail("open a session", rv);
    }
    token->has_session_ = true;
    std::string pin = options.pin;
    CK_RV rv = f->C_Login(token->session_, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(pin.data()),
                          pin.size());
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) return Fail("log in", rv);
    return token;
  }

  ~Token() {
    if (has_session_) module_->C_CloseSession(session_);
    if (initialized_) p11_kit_module_finalize(module_);
    if (module_ != nullptr) p11_kit_module_release(module_);
  }

  // The handles of the objects of `object_class` labelled `label`.
  absl::StatusOr<std::vector<CK_OBJECT_HANDLE>> Find(CK_OBJECT_CLASS object_class,
                                                     const std::string& label) {
    std::string l = label;
    CK_ATTRIBUTE query[] = {
        {CKA_CLASS, &object_class, sizeof(object_class)},
        {CKA_LABEL, l.data(), l.size()},
    };
    CK_FUNCTION_LIST* f = module_;
    if (CK_RV rv = f->C_FindObjectsInit(session_, query, 2); rv != CKR_OK) {
      return Fail("find keys", rv);
    }
    std::vector<CK_OBJECT_HANDLE> handles(8);
    CK_ULONG n = 0;
    CK_RV rv = f->C_FindObjects(session_, handles.data(), handles.size(), &n);
    f->C_FindObjectsFinal(session_);
    if (rv != CKR_OK) return Fail("find keys", rv);
    handles.resize(n);
    return handles;
  }

  // CKA_EC_POINT of an Ed25519 public key: the 32 bytes, bare or as a DER OCTET STRING.
  absl::StatusOr<std::string> PublicKey(CK_OBJECT_HANDLE handle) {
    std::string point(64, '\0');
    CK_ATTRIBUTE attribute = {CKA_EC_POINT, point.data(), point.size()};
    if (CK_RV rv = module_->C_GetAttributeValue(session_, handle, &attribute, 1); rv != CKR_OK) {
      return Fail("read the public key", rv);
    }
    point.resize(attribute.ulValueLen);
    if (point.size() == kPublicKeySize + 2 && point[0] == 0x04 &&
        static_cast<unsigned char>(point[1]) == kPublicKeySize) {
      return point.substr(2);
    }
    if (point.size() == kPublicKeySize) return point;
    return absl::DataLossError("the token's key is not an Ed25519 public key");
  }

  CK_FUNCTION_LIST* module_ = nullptr;
  CK_SESSION_HANDLE session_ = 0;
  bool initialized_ = false;
  bool has_session_ = false;
  std::mutex mu_;

 private:
  Token() = default;
};

class TokenSigner final : public Signer {
 public:
  TokenSigner(std::unique_ptr<Token> token, CK_OBJECT_HANDLE private_key, std::string public_key,
              std::string description)
      : token_(std::move(token)),
        private_key_(private_key),
        public_key_(std::move(public_key)),
        description_(std::move(description)) {}

  const std::string& public_key() const override { return public_key_; }
  bool in_token() const override { return true; }
  std::string Description() const override { return description_; }

  absl::StatusOr<std::string> Sign(SigningDomain domain, std::string_view message) const override {
    std::string data = std::string(DomainPrefix(domain)) + std::string(message);
    std::string signature(kSignatureSize, '\0');
    {
      std::lock_guard<std::mutex> lock(token_->mu_);
      CK_FUNCTION_LIST* f = token_->module_;
      CK_MECHANISM mechanism = {CKM_EDDSA, nullptr, 0};
      if (CK_RV rv = f->C_SignInit(token_->session_, &mechanism, private_key_); rv != CKR_OK) {
        return Fail("start signing", rv);
      }
      CK_ULONG length = signature.size();
      if (CK_RV rv = f->C_Sign(token_->session_, reinterpret_cast<CK_BYTE*>(data.data()),
                               data.size(), reinterpret_cast<CK_BYTE*>(signature.data()), &length);
          rv != CKR_OK) {
        return Fail("sign", rv);
      }
      signature.resize(length);
    }
    // A token that signs with another key than the one published would make every protocol
    // unverifiable: check before the signature is used.
    if (absl::Status s = VerifySignature(domain, message, signature, public_key_); !s.ok()) {
      return absl::InternalError(
          absl::StrCat("the token's signature does not verify with its public key: ", s.message()));
    }
    return signature;
  }

 private:
  std::unique_ptr<Token> token_;
  CK_OBJECT_HANDLE private_key_;
  std::string public_key_;
  std::string description_;
};

}  // namespace

absl::StatusOr<SignedProtocol> SignProtocol(const PrecinctProtocol& protocol,
                                            const Signer& signer) {
  SignedProtocol signed_protocol;
  signed_protocol.set_protocol(DeterministicBytes(protocol));
  absl::StatusOr<std::string> signature =
      signer.Sign(SigningDomain::kPrecinctProtocol, signed_protocol.protocol());
  if (!signature.ok()) return signature.status();
  signed_protocol.set_signature(*std::move(signature));
  signed_protocol.set_signer_public_key(signer.public_key());
  return signed_protocol;
}

absl::StatusOr<Receipt> SignReceipt(const ReceiptBody& body, const Signer& signer) {
  Receipt receipt;
  receipt.set_body(DeterministicBytes(body));
  absl::StatusOr<std::string> signature = signer.Sign(SigningDomain::kReceipt, receipt.body());
  if (!signature.ok()) return signature.status();
  receipt.set_signature(*std::move(signature));
  receipt.set_signer_public_key(signer.public_key());
  return receipt;
}

std::unique_ptr<Signer> MakeFileSigner(SigningKey key, std::string path) {
  return std::make_unique<FileSigner>(std::move(key), std::move(path));
}

absl::StatusOr<std::string> ReadPinFile(const std::filesystem::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the PIN file ", path.string(), ": ", std::strerror(errno)));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return absl::PermissionDeniedError(
        absl::StrFormat("the PIN file %s may be read by others (mode %04o); chmod 0600 it",
                        path.string(), st.st_mode & 07777));
  }
  std::ifstream in(path);
  std::string pin;
  std::getline(in, pin);
  if (!in && !in.eof()) return absl::DataLossError(absl::StrCat("cannot read ", path.string()));
  if (pin.empty()) return absl::InvalidArgumentError(absl::StrCat(path.string(), " is empty"));
  return pin;
}

absl::StatusOr<std::unique_ptr<Signer>> OpenTokenKey(const TokenKeyOptions& options) {
  absl::StatusOr<std::unique_ptr<Token>> token = Token::Open(options, /*read_write=*/false);
  if (!token.ok()) return token.status();
  absl::StatusOr<std::vector<CK_OBJECT_HANDLE>> privates =
      (*token)->Find(CKO_PRIVATE_KEY, options.key_label);
  if (!privates.ok()) return privates.status();
  absl::StatusOr<std::vector<CK_OBJECT_HANDLE>> publics =
      (*token)->Find(CKO_PUBLIC_KEY, options.key_label);
  if (!publics.ok()) return publics.status();
  if (privates->size() != 1 || publics->size() != 1) {
    return absl::NotFoundError(absl::StrCat("token \"", options.token_label, "\" holds ",
                                            privates->size(), " private and ", publics->size(),
                                            " public keys labelled \"", options.key_label,
                                            "\"; exactly one pair is "
                                            "needed (esep key generate)"));
  }
  absl::StatusOr<std::string> public_key = (*token)->PublicKey(publics->front());
  if (!public_key.ok()) return public_key.status();
  const CK_OBJECT_HANDLE private_key = privates->front();
  std::string description =
      absl::StrCat("PKCS#11 token \"", options.token_label, "\", key \"", options.key_label, "\"");
  return std::unique_ptr<Signer>(std::make_unique<TokenSigner>(
      *std::move(token), private_key, *std::move(public_key), std::move(description)));
}

absl::StatusOr<std::string> GenerateTokenKey(const TokenKeyOptions& options) {
  if (options.key_label.empty()) return absl::InvalidArgumentError("the key needs a label");
  absl::StatusOr<std::unique_ptr<Token>> token = Token::Open(options, /*read_write=*/true);
  if (!token.ok()) return token.status();
  for (CK_OBJECT_CLASS c : {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY}) {
    absl::StatusOr<std::vector<CK_OBJECT_HANDLE>> taken = (*token)->Find(c, options.key_label);
    if (!taken.ok()) return taken.status();
    if (!taken->empty()) {
      return absl::AlreadyExistsError(absl::StrCat("token \"", options.token_label,
                                                   "\" already holds a key labelled \"",
                                                   options.key_label, "\""));
    }
  }
  // CKA_EC_PARAMS for Ed25519: the PrintableString "edwards25519" (PKCS#11 3.0, 2.3.10).
  static const CK_BYTE kEdwards25519[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r',
                                          'd',  's',  '2', '5', '5', '1', '9'};
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  std::string label = options.key_label;
  CK_ATTRIBUTE public_template[] = {
      {CKA_TOKEN, &yes, sizeof(yes)},
      {CKA_VERIFY, &yes, sizeof(yes)},
      {CKA_EC_PARAMS, const_cast<CK_BYTE*>(kEdwards25519), sizeof(kEdwards25519)},
      {CKA_LABEL, label.data(), label.size()},
  };
  CK_ATTRIBUTE private_template[] = {
      {CKA_TOKEN, &yes, sizeof(yes)},     {CKA_PRIVATE, &yes, sizeof(yes)},
      {CKA_SENSITIVE, &yes, sizeof(yes)}, {CKA_EXTRACTABLE, &no, sizeof(no)},
      {CKA_SIGN, &yes, sizeof(yes)},      {CKA_LABEL, label.data(), label.size()},
  };
  CK_MECHANISM mechanism = {CKM_EC_EDWARDS_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE public_key = 0, private_key = 0;
  if (CK_RV rv = (*token)->module_->C_GenerateKeyPair(
          (*token)->session_, &mechanism, public_template, std::size(public_template),
          private_template, std::size(private_template), &public_key, &private_key);
      rv != CKR_OK) {
    return Fail("generate an Ed25519 key pair", rv);
  }
  return (*token)->PublicKey(public_key);
}

}  // namespace esep::transport
