// QR parts arrive from photographs of a printed protocol: any texts must join to a signed protocol
// or give an error. The input is split at newlines into parts.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "esep/transport/qr_protocol.h"
#include "esep/transport/signing.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  std::size_t begin = 0;
  while (begin <= input.size()) {
    const std::size_t end = std::min(input.find('\n', begin), input.size());
    parts.emplace_back(input.substr(begin, end - begin));
    begin = end + 1;
  }
  absl::StatusOr<esep::SignedProtocol> joined = esep::transport::JoinQrParts(parts);
  if (joined.ok()) (void)esep::transport::VerifyProtocol(*joined, "");
  return 0;
}
