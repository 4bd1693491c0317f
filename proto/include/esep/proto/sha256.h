#ifndef ESEP_PROTO_SHA256_H_
#define ESEP_PROTO_SHA256_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace esep {

using Sha256Digest = std::array<std::uint8_t, 32>;

// SHA-256 (FIPS 180-4) of a byte string; the one hash used for election definitions, ballot
// images and records. Computed by OpenSSL, with the CPU's SHA instructions where it has them.
Sha256Digest Sha256(std::span<const std::uint8_t> bytes);
Sha256Digest Sha256(std::string_view bytes);

// Lower-case hexadecimal, two digits per byte.
std::string ToHex(std::span<const std::uint8_t> bytes);

}  // namespace esep

#endif  // ESEP_PROTO_SHA256_H_
