// Bytes from a reader come from outside the controller: any stream must give frames, a clean
// "need more bytes", or a precise error, and never more memory than the limits allow. The
// frames found are also pushed through the image assembler the way a scan would.
#include <cstdint>
#include <span>

#include "esep/scanner/reader_frame.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using esep::scanner::Frame;
  esep::scanner::FrameParser parser;
  esep::scanner::ImageAssembler assembler;
  // Feed in uneven pieces, as USB transfers would arrive.
  std::size_t offset = 0;
  std::size_t piece = 1;
  while (offset < size) {
    const std::size_t n = std::min(piece, size - offset);
    parser.Feed(std::span(data + offset, n));
    offset += n;
    piece = piece * 3 + 1;
    while (true) {
      absl::StatusOr<std::optional<Frame>> frame = parser.Next();
      if (!frame.ok() || !frame->has_value()) break;
      if ((*frame)->type == esep::reader::IMAGE_HEADER) {
        esep::reader::ImageHeader header;
        if (esep::scanner::DecodePayload(**frame, header).ok()) (void)assembler.Start(header);
      } else if ((*frame)->type == esep::reader::IMAGE_CHUNK) {
        esep::reader::ImageChunk chunk;
        if (esep::scanner::DecodePayload(**frame, chunk).ok()) {
          if (assembler.AddChunk(chunk).ok() && assembler.complete()) (void)assembler.Finish();
        }
      }
    }
  }
  (void)parser.Finish();
  return 0;
}
