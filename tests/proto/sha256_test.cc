#include "esep/proto/sha256.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdint>
#include <string>
#include <vector>

namespace esep {
namespace {

TEST(Sha256Test, GivesTheFips180KnownAnswers) {
  EXPECT_EQ(ToHex(Sha256(std::string_view(""))),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ToHex(Sha256(std::string_view("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(
      ToHex(Sha256(std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(ToHex(Sha256(std::string(1000000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Stores written before the hash moved to OpenSSL were hashed by libsodium: every length around
// the block boundaries and a page-sized input give the same digest from both.
TEST(Sha256Test, AgreesWithLibsodiumOnEveryLengthAroundTheBlockSize) {
  ASSERT_GE(sodium_init(), 0);
  std::vector<std::uint8_t> bytes(1 << 20);
  std::uint32_t x = 12345;
  for (std::uint8_t& b : bytes) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 200; ++n) lengths.push_back(n);
  lengths.push_back(bytes.size() - 1);
  lengths.push_back(bytes.size());
  for (const std::size_t n : lengths) {
    const std::span<const std::uint8_t> input(bytes.data(), n);
    Sha256Digest expected;
    crypto_hash_sha256(expected.data(), input.data(), input.size());
    EXPECT_EQ(Sha256(input), expected) << n << " bytes";
  }
}

}  // namespace
}  // namespace esep
