#include "esep/proto/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace esep {

Sha256Digest Sha256(std::span<const std::uint8_t> bytes) {
  // OpenSSL's one-shot digest picks the CPU's SHA extensions (SHA-NI, ARMv8 SHA2) when present;
  // the digest is SHA-256 (FIPS 180-4) whichever code computes it.
  Sha256Digest digest;
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != digest.size()) {
    // Only an allocation failure inside OpenSSL gets here; no hash can be given.
    std::abort();
  }
  return digest;
}

Sha256Digest Sha256(std::string_view bytes) {
  return Sha256(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                              bytes.size()));
}

std::string ToHex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    hex.push_back(kDigits[b >> 4]);
    hex.push_back(kDigits[b & 0xf]);
  }
  return hex;
}

}  // namespace esep
