#ifndef ESEP_TRANSPORT_QR_PROTOCOL_H_
#define ESEP_TRANSPORT_QR_PROTOCOL_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "esep/proto/signed.pb.h"

namespace esep::transport {

// The signed precinct protocol as text parts for QR codes printed on the paper protocol, so that
// anyone can photograph the sheet and check it offline (docs/observer-qr.md). Every character is
// in the QR alphanumeric set (digits, A-Z, space, $%*+-./:), which packs 11 bits per 2
// characters. A part is
//
//   ESEP1:PP/NN:KEYID:PREVIOUS:PAYLOAD
//
// "ESEP1" names the format (version 1); PP/NN is the part's number and the number of parts, two
// digits each; KEYID is the signer's KeyId() in 16 upper-case hex digits; PREVIOUS is 128
// upper-case hex digits of a SHA-512: in part 1 that of the whole payload (all parts' bytes
// joined), in part k > 1 that of part k-1's complete text; PAYLOAD is base45 (RFC 9285) of the
// part's slice of the deterministic serialization of the SignedProtocol.
//
// Version 2 opens a page of the public results site: a part is
//
//   URL#ESEP2:PP/NN:KEYID:PREVIOUS:PAYLOAD
//
// where URL is the site's verifier page (printed in a byte-mode QR segment; the rest is one
// alphanumeric segment), the header is as in version 1 and PAYLOAD is base32 (RFC 4648, upper
// case, no padding), whose alphabet is alphanumeric and safe in a URL. The chain and the key id
// are those of version 1 and cover the text from "ESEP2" on; the URL is not covered (a mirror
// may print its own), the signature proves the numbers.
inline constexpr char kQrPartMagic[] = "ESEP";
inline constexpr int kQrFormatVersion = 1;
inline constexpr int kQrUrlFormatVersion = 2;
inline constexpr std::size_t kQrPartHeaderChars = 158;
inline constexpr std::size_t kQrPartMaxChars = 1100;
inline constexpr int kQrMaxParts = 99;

// The header fields of one part.
struct QrPartHeader {
  int version = kQrFormatVersion;
  int index = 0;  // 1-based
  int count = 0;
  std::string key_id;         // lower-case hex, as KeyId() writes it
  std::string previous_hash;  // upper-case hex SHA-512
};

// True when `text` starts like an Esep part of any format version, or is a URL whose fragment
// does; other QR codes found on the same photo (a URL, a ballot barcode) are not parts.
bool LooksLikeQrPart(std::string_view text);

// The part without the URL of a version 2 part (what follows the first '#'); `text` itself
// when it has none.
std::string_view QrPartWithoutUrl(std::string_view text);

// Reads the header of one part; the message says what is malformed.
absl::StatusOr<QrPartHeader> ParseQrPartHeader(std::string_view text);

// Cuts the signed protocol into as few parts of at most `max_chars` characters as possible, of
// nearly equal size (so the printed codes have the same size). Refuses a `max_chars` that leaves
// no room for a payload or that would need more than kQrMaxParts parts. With a `verify_url`
// (the results site's verifier page, e.g. "https://results.example.kg/verify/"), version 2
// parts "URL#ESEP2:..." (`max_chars` counts the text after '#'); without, version 1.
absl::StatusOr<std::vector<std::string>> SplitIntoQrParts(const SignedProtocol& signed_protocol,
                                                          std::size_t max_chars = kQrPartMaxChars,
                                                          std::string_view verify_url = {});

// Joins parts given in any order back into the signed protocol. Refuses texts that are not parts,
// parts of another format version, a missing, repeated or foreign part, a broken chain and
// content that does not match part 1's hash, naming the part. It does not check the signature:
// that is VerifyProtocol()'s job, against the published key.
absl::StatusOr<SignedProtocol> JoinQrParts(std::vector<std::string> parts);

// The SHA-512 of `bytes` in upper-case hex (128 digits), as the chain writes it.
std::string Sha512Hex(std::string_view bytes);

}  // namespace esep::transport

#endif  // ESEP_TRANSPORT_QR_PROTOCOL_H_
