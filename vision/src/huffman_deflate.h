#ifndef ESEP_VISION_SRC_HUFFMAN_DEFLATE_H_
#define ESEP_VISION_SRC_HUFFMAN_DEFLATE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "esep/vision/gray_image.h"

namespace esep::vision::internal {

// Appends to `out` the zlib stream (RFC 1950, 1951) of a page's PNG image data with filter type
// None on every row: each row is a 0 byte and the row's pixels. The stream holds only literals
// and runs of one repeated byte (matches at distance 1), in blocks of dynamic Huffman codes made
// for each band of rows. A scanned page is mostly sensor noise, which no search for earlier
// matches compresses but an entropy coder does, so this is both faster and smaller than a general
// deflate (docs/BENCHMARKS.md, "Storing a scanned page"). The bytes depend on the pixels only:
// no library version, CPU or thread changes them.
void AppendHuffmanZlib(const GrayImage& image, std::vector<std::uint8_t>& out);

}  // namespace esep::vision::internal

#endif  // ESEP_VISION_SRC_HUFFMAN_DEFLATE_H_
