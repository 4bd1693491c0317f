#include "esep/transport/qr_protocol.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "esep/proto/deterministic.h"
#include "esep/proto/sha256.h"
#include "esep/transport/signing.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace esep::transport {
namespace {

constexpr std::string_view kBase45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
constexpr std::size_t kKeyIdChars = 16;
constexpr std::size_t kHashChars = 128;
// Offsets of the fixed-width header fields: "ESEP1:PP/NN:KEYID:PREVIOUS:".
constexpr std::size_t kIndexAt = 6, kCountAt = 9, kKeyAt = 12, kHashAt = kKeyAt + kKeyIdChars + 1;
static_assert(kHashAt + kHashChars + 1 == kQrPartHeaderChars);

std::string Base45Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 1) / 2 * 3);
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    if (i + 1 < bytes.size()) {
      std::uint32_t n =
          static_cast<std::uint8_t>(bytes[i]) * 256u + static_cast<std::uint8_t>(bytes[i + 1]);
      out += kBase45[n % 45];
      n /= 45;
      out += kBase45[n % 45];
      out += kBase45[n / 45];
    } else {
      const std::uint32_t n = static_cast<std::uint8_t>(bytes[i]);
      out += kBase45[n % 45];
      out += kBase45[n / 45];
    }
  }
  return out;
}

// Decodes base45; on error returns the 1-based position of the first bad character in `*bad_at`.
bool Base45Decode(std::string_view text, std::string* out, std::size_t* bad_at) {
  out->clear();
  if (text.size() % 3 == 1) {
    *bad_at = text.size();
    return false;
  }
  auto value = [&](std::size_t i, std::uint32_t* v) {
    const std::size_t p = kBase45.find(text[i]);
    if (p == std::string_view::npos) {
      *bad_at = i + 1;
      return false;
    }
    *v = static_cast<std::uint32_t>(p);
    return true;
  };
  for (std::size_t i = 0; i < text.size(); i += 3) {
    std::uint32_t c = 0, d = 0, e = 0;
    if (!value(i, &c) || !value(i + 1, &d)) return false;
    if (i + 2 < text.size()) {
      if (!value(i + 2, &e)) return false;
      const std::uint32_t n = c + d * 45 + e * 45 * 45;
      if (n > 0xFFFF) {
        *bad_at = i + 1;
        return false;
      }
      out->push_back(static_cast<char>(n >> 8));
      out->push_back(static_cast<char>(n & 0xFF));
    } else {
      const std::uint32_t n = c + d * 45;
      if (n > 0xFF) {
        *bad_at = i + 1;
        return false;
      }
      out->push_back(static_cast<char>(n));
    }
  }
  return true;
}

constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : bytes) {
    buffer = (buffer << 8) | static_cast<std::uint8_t>(c);
    bits += 8;
    while (bits >= 5) {
      out += kBase32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kBase32[(buffer << (5 - bits)) & 31];
  return out;
}

// Decodes unpadded base32; on error returns the 1-based position of the first bad character.
bool Base32Decode(std::string_view text, std::string* out, std::size_t* bad_at) {
  out->clear();
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::size_t v = kBase32.find(text[i]);
    if (v == std::string_view::npos) {
      *bad_at = i + 1;
      return false;
    }
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out->push_back(static_cast<char>((buffer >> (bits - 8)) & 0xFF));
      bits -= 8;
    }
  }
  // Leftover bits must be zero padding of fewer than 5 bits (a canonical encoding).
  if (bits >= 5 || (buffer & ((1u << bits) - 1)) != 0) {
    *bad_at = text.size();
    return false;
  }
  return true;
}

std::string Label(int index, int count) { return absl::StrFormat("%d/%d", index, count); }

bool IsUpperHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); });
}

bool TwoDigits(std::string_view s, int* value) {
  if (s.size() != 2 || !absl::ascii_isdigit(s[0]) || !absl::ascii_isdigit(s[1])) return false;
  *value = (s[0] - '0') * 10 + (s[1] - '0');
  return true;
}

// Shortens a hash for a message: enough digits to compare by eye.
std::string Short(std::string_view hash) {
  return absl::StrCat(std::string(hash.substr(0, 16)), "...");
}

}  // namespace

std::string Sha512Hex(std::string_view bytes) {
  std::array<std::uint8_t, crypto_hash_sha512_BYTES> digest{};
  crypto_hash_sha512(digest.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size());
  return absl::AsciiStrToUpper(ToHex(digest));
}

std::string_view QrPartWithoutUrl(std::string_view text) {
  if (text.starts_with(kQrPartMagic)) return text;
  const std::size_t hash = text.find('#');
  return hash == std::string_view::npos ? text : text.substr(hash + 1);
}

bool LooksLikeQrPart(std::string_view text) {
  return QrPartWithoutUrl(text).starts_with(kQrPartMagic);
}

absl::StatusOr<QrPartHeader> ParseQrPartHeader(std::string_view full_text) {
  if (!LooksLikeQrPart(full_text)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an Esep protocol part (it does not begin with \"", kQrPartMagic, "\")"));
  }
  const bool url = !full_text.starts_with(kQrPartMagic);
  const std::string_view text = QrPartWithoutUrl(full_text);
  const int version = text.size() > 4 ? text[4] - '0' : 0;
  if (version != kQrFormatVersion && version != kQrUrlFormatVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("a part of format version \"", std::string(text.substr(4, 1)),
                     "\"; this esep reads versions ", kQrFormatVersion, " and ",
                     kQrUrlFormatVersion, ": use a newer esep"));
  }
  if (url != (version == kQrUrlFormatVersion)) {
    return absl::InvalidArgumentError(
        url ? "a version 1 part behind a URL: only version 2 parts open a page"
            : "a version 2 part without its URL: it is read from the whole QR code");
  }
  const std::string_view malformed =
      "malformed Esep part header (expected \"ESEP1:PP/NN:KEYID:SHA512:PAYLOAD\")";
  QrPartHeader header;
  header.version = version;
  if (text.size() < kQrPartHeaderChars || text[5] != ':' || text[8] != '/' || text[11] != ':' ||
      text[kHashAt - 1] != ':' || text[kQrPartHeaderChars - 1] != ':' ||
      !TwoDigits(text.substr(kIndexAt, 2), &header.index) ||
      !TwoDigits(text.substr(kCountAt, 2), &header.count) ||
      !IsUpperHex(text.substr(kKeyAt, kKeyIdChars)) ||
      !IsUpperHex(text.substr(kHashAt, kHashChars))) {
    return absl::InvalidArgumentError(std::string(malformed));
  }
  if (header.count < 1 || header.index < 1 || header.index > header.count) {
    return absl::InvalidArgumentError(
        absl::StrCat("part numbered ", Label(header.index, header.count), ": no such part"));
  }
  header.key_id = absl::AsciiStrToLower(std::string(text.substr(kKeyAt, kKeyIdChars)));
  header.previous_hash = std::string(text.substr(kHashAt, kHashChars));
  return header;
}

absl::StatusOr<std::vector<std::string>> SplitIntoQrParts(const SignedProtocol& signed_protocol,
                                                          std::size_t max_chars,
                                                          std::string_view verify_url) {
  const bool url = !verify_url.empty();
  if (url && (verify_url.find('#') != std::string_view::npos ||
              !(verify_url.starts_with("https://") || verify_url.starts_with("http://")))) {
    return absl::InvalidArgumentError(
        absl::StrCat("the verifier's URL \"", std::string(verify_url),
                     "\" must begin with https:// (or http://) and carry no '#'"));
  }
  if (max_chars < kQrPartHeaderChars + 3) {
    return absl::InvalidArgumentError(absl::StrCat("a QR part of at most ", max_chars,
                                                   " characters has no room for a payload (the "
                                                   "header alone is ",
                                                   kQrPartHeaderChars, ")"));
  }
  const std::string payload = DeterministicBytes(signed_protocol);
  // Base45 writes 2 bytes as 3 characters, base32 5 bytes as 8.
  const std::size_t max_bytes =
      url ? (max_chars - kQrPartHeaderChars) / 8 * 5 : (max_chars - kQrPartHeaderChars) / 3 * 2;
  const std::size_t count = std::max<std::size_t>(1, (payload.size() + max_bytes - 1) / max_bytes);
  if (count > static_cast<std::size_t>(kQrMaxParts)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the signed protocol (", payload.size(), " bytes) needs ", count, " QR parts of ",
        max_chars, " characters; at most ", kQrMaxParts, " are allowed"));
  }
  // Nearly equal slices, a whole number of base45 pairs (base32 quintets) each but the last.
  const std::size_t unit = url ? 5 : 2;
  std::size_t slice = (payload.size() + count - 1) / count;
  slice = (slice + unit - 1) / unit * unit;
  const std::string key_id = absl::AsciiStrToUpper(KeyId(signed_protocol.signer_public_key()));
  std::vector<std::string> parts;
  std::string previous = Sha512Hex(payload);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t begin = std::min(payload.size(), i * slice);
    const std::string_view chunk =
        std::string_view(payload).substr(begin, std::min(slice, payload.size() - begin));
    std::string part =
        absl::StrFormat("ESEP%d:%02d/%02d:%s:%s:", url ? kQrUrlFormatVersion : kQrFormatVersion,
                        i + 1, count, key_id, previous);
    part += url ? Base32Encode(chunk) : Base45Encode(chunk);
    previous = Sha512Hex(part);
    parts.push_back(url ? absl::StrCat(std::string(verify_url), "#", part) : std::move(part));
  }
  return parts;
}

absl::StatusOr<SignedProtocol> JoinQrParts(std::vector<std::string> parts) {
  if (parts.empty()) return absl::InvalidArgumentError("no Esep protocol part was given");
  struct Part {
    QrPartHeader header;
    std::string text;
  };
  std::map<int, Part> by_index;
  const Part* first_seen = nullptr;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    absl::StatusOr<QrPartHeader> header = ParseQrPartHeader(parts[i]);
    if (!header.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("text ", i + 1, " of ", parts.size(), ": ", header.status().message()));
    }
    const std::string label = Label(header->index, header->count);
    if (first_seen != nullptr) {
      const std::string first = Label(first_seen->header.index, first_seen->header.count);
      if (header->count != first_seen->header.count) {
        return absl::InvalidArgumentError(
            absl::StrCat("part ", label, " belongs to a protocol printed in ", header->count,
                         " parts, part ", first, " to one printed in ", first_seen->header.count,
                         ": parts of different protocols are mixed"));
      }
      if (header->key_id != first_seen->header.key_id) {
        return absl::InvalidArgumentError(absl::StrCat(
            "part ", label, " names signing key ", header->key_id, ", part ", first, " key ",
            first_seen->header.key_id, ": parts of different protocols are mixed"));
      }
    }
    if (first_seen != nullptr && header->version != first_seen->header.version) {
      return absl::InvalidArgumentError(
          absl::StrCat("part ", label, " is of format version ", header->version, ", part ",
                       Label(first_seen->header.index, first_seen->header.count), " of version ",
                       first_seen->header.version, ": parts of different printings are mixed"));
    }
    auto [it, inserted] =
        by_index.try_emplace(header->index, Part{*header, std::string(QrPartWithoutUrl(parts[i]))});
    if (!inserted) {
      return absl::InvalidArgumentError(
          it->second.text == QrPartWithoutUrl(parts[i])
              ? absl::StrCat("part ", label, " was given twice")
              : absl::StrCat("two different parts are numbered ", label,
                             ": parts of different protocols or printings are mixed"));
    }
    if (first_seen == nullptr) first_seen = &it->second;
  }
  const int count = first_seen->header.count;
  std::vector<std::string> missing;
  for (int i = 1; i <= count; ++i) {
    if (!by_index.contains(i)) missing.push_back(Label(i, count));
  }
  if (!missing.empty()) {
    return absl::NotFoundError(absl::StrCat(
        missing.size() == 1 ? "part " : "parts ", absl::StrJoin(missing, ", "),
        missing.size() == 1 ? " is" : " are", " missing: every QR code of the protocol is needed"));
  }
  std::string payload;
  for (int i = 1; i <= count; ++i) {
    const Part& part = by_index.at(i);
    const std::string label = Label(i, count);
    if (i > 1) {
      const std::string expected = Sha512Hex(by_index.at(i - 1).text);
      if (part.header.previous_hash != expected) {
        return absl::DataLossError(absl::StrCat(
            "part ", label, " does not follow part ", Label(i - 1, count), ": it carries SHA-512 ",
            Short(part.header.previous_hash), " of the part before it, but part ",
            Label(i - 1, count), " hashes to ", Short(expected),
            "; the parts come from different printings or one was altered"));
      }
    }
    std::string bytes;
    std::size_t bad_at = 0;
    const std::string_view encoded = std::string_view(part.text).substr(kQrPartHeaderChars);
    const bool base32 = part.header.version == kQrUrlFormatVersion;
    if (!(base32 ? Base32Decode(encoded, &bytes, &bad_at)
                 : Base45Decode(encoded, &bytes, &bad_at))) {
      return absl::DataLossError(absl::StrCat("part ", label, ": the payload is not valid ",
                                              base32 ? "base32" : "base45", " (character ", bad_at,
                                              " after the header)"));
    }
    payload += bytes;
  }
  const Part& first = by_index.at(1);
  if (Sha512Hex(payload) != first.header.previous_hash) {
    return absl::DataLossError(
        absl::StrCat("the joined parts do not match the SHA-512 carried in part ", Label(1, count),
                     count > 1 ? absl::StrCat(": part ", Label(count, count),
                                              " was altered or comes from another printing")
                               : ": the part was altered"));
  }
  SignedProtocol signed_protocol;
  if (!signed_protocol.ParseFromString(payload)) {
    return absl::DataLossError("the joined parts do not hold a signed protocol");
  }
  const std::string key_id = KeyId(signed_protocol.signer_public_key());
  if (key_id != first.header.key_id) {
    return absl::DataLossError(absl::StrCat("the parts name signing key ", first.header.key_id,
                                            " but the protocol carries key ", key_id));
  }
  return signed_protocol;
}

}  // namespace esep::transport
