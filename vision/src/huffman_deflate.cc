#include "huffman_deflate.h"

#include <libdeflate.h>

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace esep::vision::internal {
namespace {

// A band of rows gets its own Huffman codes: large enough that a block's header (about 150
// bytes) costs well under 1%, small enough to follow the page from margin to text.
constexpr int kRowsPerBlock = 64;
// The shortest run of one repeated byte coded as a match; shorter ones stay literals (a run of
// noise is rare, and a length code would only dilute the literals' code).
constexpr int kMinRun = 8;
constexpr int kMaxMatch = 258;
constexpr int kLitLenSymbols = 286;  // 0-255 literals, 256 end of block, 257-285 lengths
constexpr int kEndOfBlock = 256;
constexpr int kMaxCodeLength = 15;
constexpr int kMaxCodeLengthCodeLength = 7;
constexpr std::array<std::uint8_t, 19> kCodeLengthOrder = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                           11, 4,  12, 3, 13, 2, 14, 1, 15};

struct LengthCode {
  std::uint16_t symbol = 0;
  std::uint8_t extra_bits = 0;
  std::uint16_t extra = 0;
};

// RFC 1951, 3.2.5: the length symbol and extra bits of every match length 3 to 258.
const std::array<LengthCode, kMaxMatch + 1>& LengthCodes() {
  static const std::array<LengthCode, kMaxMatch + 1> codes = [] {
    constexpr std::array<std::uint16_t, 28> kBase = {3,  4,  5,  6,   7,   8,   9,   10, 11, 13,
                                                     15, 17, 19, 23,  27,  31,  35,  43, 51, 59,
                                                     67, 83, 99, 115, 131, 163, 195, 227};
    std::array<LengthCode, kMaxMatch + 1> table{};
    for (int code = 0; code < 28; ++code) {
      const int extra_bits = code < 8 ? 0 : (code - 4) / 4;
      for (int extra = 0; extra < (1 << extra_bits); ++extra) {
        const int length = kBase[static_cast<std::size_t>(code)] + extra;
        if (length > kMaxMatch - 1) break;
        table[static_cast<std::size_t>(length)] = {static_cast<std::uint16_t>(257 + code),
                                                   static_cast<std::uint8_t>(extra_bits),
                                                   static_cast<std::uint16_t>(extra)};
      }
    }
    table[kMaxMatch] = {285, 0, 0};
    return table;
  }();
  return codes;
}

// Lengths of a Huffman code for `frequency` of at most `limit` bits; unused symbols get 0. At
// least two symbols get a code, so that every code is complete. Should the optimal code be too
// long, the frequencies are flattened and the code made again: every step is deterministic.
void BuildCodeLengths(std::span<const std::uint32_t> frequency, int limit,
                      std::span<std::uint8_t> lengths) {
  std::vector<std::uint64_t> weight(frequency.begin(), frequency.end());
  int used = static_cast<int>(
      std::count_if(weight.begin(), weight.end(), [](std::uint64_t w) { return w != 0; }));
  for (std::size_t s = 0; used < 2 && s < weight.size(); ++s) {
    if (weight[s] == 0) {
      weight[s] = 1;
      ++used;
    }
  }
  std::vector<int> order;
  for (std::size_t s = 0; s < weight.size(); ++s) {
    if (weight[s] != 0) order.push_back(static_cast<int>(s));
  }
  const std::size_t leaves = order.size();
  std::vector<std::uint64_t> node_weight(2 * leaves - 1);
  std::vector<std::size_t> parent(2 * leaves - 1);
  std::vector<int> depth(2 * leaves - 1);
  for (;;) {
    std::sort(order.begin(), order.end(), [&](int a, int b) {
      const std::uint64_t wa = weight[static_cast<std::size_t>(a)];
      const std::uint64_t wb = weight[static_cast<std::size_t>(b)];
      return wa != wb ? wa < wb : a < b;
    });
    for (std::size_t i = 0; i < leaves; ++i) {
      node_weight[i] = weight[static_cast<std::size_t>(order[i])];
    }
    // Two queues: the sorted leaves, and the inner nodes in the order made (their weights never
    // decrease). Ties take the leaf first.
    std::size_t next_leaf = 0;
    std::size_t next_inner = leaves;
    const auto lightest = [&](std::size_t made) {
      if (next_leaf < leaves &&
          (next_inner >= made || node_weight[next_leaf] <= node_weight[next_inner])) {
        return next_leaf++;
      }
      return next_inner++;
    };
    for (std::size_t made = leaves; made < 2 * leaves - 1; ++made) {
      const std::size_t a = lightest(made);
      const std::size_t b = lightest(made);
      node_weight[made] = node_weight[a] + node_weight[b];
      parent[a] = made;
      parent[b] = made;
    }
    int deepest = 0;
    depth[2 * leaves - 2] = 0;
    for (std::size_t node = 2 * leaves - 2; node-- > 0;) {
      depth[node] = depth[parent[node]] + 1;
      if (node < leaves) deepest = std::max(deepest, depth[node]);
    }
    if (deepest <= limit) break;
    for (const int s : order) {
      weight[static_cast<std::size_t>(s)] = (weight[static_cast<std::size_t>(s)] >> 1) | 1;
    }
  }
  std::fill(lengths.begin(), lengths.end(), 0);
  for (std::size_t i = 0; i < leaves; ++i) {
    lengths[static_cast<std::size_t>(order[i])] = static_cast<std::uint8_t>(depth[i]);
  }
}

// RFC 1951, 3.2.2: the canonical codes of `lengths`, bit-reversed for writing LSB first.
void BuildCodes(std::span<const std::uint8_t> lengths, std::span<std::uint32_t> codes) {
  std::array<std::uint32_t, kMaxCodeLength + 2> count{};
  for (const std::uint8_t length : lengths) ++count[length];
  count[0] = 0;
  std::array<std::uint32_t, kMaxCodeLength + 2> next{};
  std::uint32_t code = 0;
  for (int bits = 1; bits <= kMaxCodeLength; ++bits) {
    code = (code + count[static_cast<std::size_t>(bits - 1)]) << 1;
    next[static_cast<std::size_t>(bits)] = code;
  }
  for (std::size_t s = 0; s < lengths.size(); ++s) {
    const int length = lengths[s];
    if (length == 0) {
      codes[s] = 0;
      continue;
    }
    const std::uint32_t value = next[static_cast<std::size_t>(length)]++;
    std::uint32_t reversed = 0;
    for (int i = 0; i < length; ++i) reversed |= ((value >> i) & 1u) << (length - 1 - i);
    codes[s] = reversed;
  }
}

// Deflate's bit packing, least significant bit first, into output sized ahead by the caller.
// Kept in a local copy inside the hot loops so that the compiler holds it in registers.
struct BitSink {
  std::uint8_t* out = nullptr;
  std::uint64_t buffer = 0;
  int pending = 0;

  // At most 32 bits at a time; writes 4 bytes whenever 32 are pending.
  void Put(std::uint32_t bits, int count) {
    buffer |= static_cast<std::uint64_t>(bits) << pending;
    pending += count;
    if (pending >= 32) {
      out[0] = static_cast<std::uint8_t>(buffer);
      out[1] = static_cast<std::uint8_t>(buffer >> 8);
      out[2] = static_cast<std::uint8_t>(buffer >> 16);
      out[3] = static_cast<std::uint8_t>(buffer >> 24);
      out += 4;
      buffer >>= 32;
      pending -= 32;
    }
  }
};

// Whether the kMinRun bytes at `p` all equal `byte`: one load, so that pages of noise, where a
// run almost never starts, do not pay a mispredicted branch per pixel.
inline bool RunStarts(const std::uint8_t* p, std::uint8_t byte) {
  static_assert(kMinRun == 8);
  std::uint64_t bytes = 0;
  std::memcpy(&bytes, p, sizeof bytes);
  return bytes == byte * 0x0101010101010101ull;
}

// A match at distance 1: `length` (kMinRun to kMaxMatch) copies of the byte before (y, x).
struct Match {
  int y;
  int x;
  int length;
};

// Appends the matches of row `y` to `matches`. The row is parsed from its start: a byte followed
// by at least kMinRun copies of itself is a literal and then matches of at most kMaxMatch bytes
// while kMinRun or more copies are left; everything else is a literal. Runs that would start in
// the row's last kMinRun bytes stay literals.
void FindMatches(const std::uint8_t* row, int width, int y, std::vector<Match>& matches) {
  int x = 0;
  while (x < width) {
#if defined(__SSE2__)
    // Sixteen literals at a time where no run starts: bit p of `low | high << 16` says byte
    // x + p equals the byte after it, and a run starts after the literal at x + p when bits p to
    // p + 7 are all set.
    while (x + 33 <= width) {
      const auto* p = reinterpret_cast<const __m128i*>(row + x);
      const auto* q = reinterpret_cast<const __m128i*>(row + x + 1);
      const std::uint32_t low = static_cast<std::uint32_t>(
          _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(p), _mm_loadu_si128(q))));
      const std::uint32_t high = static_cast<std::uint32_t>(
          _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(p + 1), _mm_loadu_si128(q + 1))));
      std::uint32_t starts = low | high << 16;
      starts &= starts >> 1;
      starts &= starts >> 2;
      starts &= starts >> 4;
      if ((starts & 0xffffu) != 0) break;
      x += 16;
    }
    if (x >= width) break;
#endif
    const std::uint8_t byte = row[x++];
    if (x + kMinRun > width || !RunStarts(row + x, byte)) continue;
    int run = kMinRun;
    while (x + run < width && row[x + run] == byte) ++run;
    while (run >= kMinRun) {
      const int length = std::min(run, kMaxMatch);
      matches.push_back({y, x, length});
      x += length;
      run -= length;
    }
  }
}

// Adds the row's bytes to `frequency`, four counters per value so that repeated values do not
// wait on each other.
void CountBytes(const std::uint8_t* row, int width, std::span<std::uint32_t> frequency) {
  std::array<std::array<std::uint32_t, 256>, 4> counts{};
  int x = 0;
  for (; x + 4 <= width; x += 4) {
    ++counts[0][row[x]];
    ++counts[1][row[x + 1]];
    ++counts[2][row[x + 2]];
    ++counts[3][row[x + 3]];
  }
  for (; x < width; ++x) ++counts[0][row[x]];
  for (std::size_t v = 0; v < 256; ++v) {
    frequency[v] += counts[0][v] + counts[1][v] + counts[2][v] + counts[3][v];
  }
}

}  // namespace

void AppendHuffmanZlib(const GrayImage& image, std::vector<std::uint8_t>& out) {
  const std::array<LengthCode, kMaxMatch + 1>& length_codes = LengthCodes();
  const int width = image.width;
  const auto row_of = [&image](int y) {
    return image.pixels.data() +
           static_cast<std::size_t>(y) * static_cast<std::size_t>(image.stride);
  };
  // deflate, 32 KiB window; no dictionary, fastest; (0x78 << 8 | 0x01) is a multiple of 31.
  out.insert(out.end(), {0x78, 0x01});
  // Output is written through `bits.out` into `out`, grown before each block by what the block
  // can take at most; `written` is where `bits.out` stands in `out`.
  std::size_t written = out.size();
  BitSink bits;
  const auto reserve = [&](std::uint64_t bytes) {
    out.resize(written + static_cast<std::size_t>(bytes) + 16);
    bits.out = out.data() + written;
  };
  std::uint32_t adler = 1;
  const std::uint8_t filter_none = 0;

  std::array<std::uint32_t, kLitLenSymbols> frequency{};
  std::vector<Match> matches;
  std::array<std::uint8_t, kLitLenSymbols> length{};
  std::array<std::uint32_t, kLitLenSymbols> code{};
  for (int first = 0; first < image.height; first += kRowsPerBlock) {
    const int last = std::min(image.height, first + kRowsPerBlock);
    // Pass 1: the band's symbols.
    frequency.fill(0);
    matches.clear();
    for (int y = first; y < last; ++y) {
      ++frequency[filter_none];
      const std::uint8_t* row = row_of(y);
      CountBytes(row, width, frequency);
      FindMatches(row, width, y, matches);
    }
    for (const Match& match : matches) {
      const std::uint8_t byte = row_of(match.y)[match.x - 1];
      frequency[byte] -= static_cast<std::uint32_t>(match.length);
      ++frequency[length_codes[static_cast<std::size_t>(match.length)].symbol];
    }
    const std::uint64_t runs = matches.size();
    frequency[kEndOfBlock] = 1;
    BuildCodeLengths(frequency, kMaxCodeLength, length);
    BuildCodes(length, code);

    // The block header: final flag, dynamic codes, then the code lengths (RFC 1951, 3.2.7),
    // zero runs coded with symbols 17 and 18. Two distance codes of one bit each: only distance
    // 1 (code 0) is used, and a complete code is one every inflater accepts.
    int lit_codes = kLitLenSymbols;
    while (lit_codes > 257 && length[static_cast<std::size_t>(lit_codes - 1)] == 0) --lit_codes;
    std::vector<std::uint8_t> sequence(length.begin(), length.begin() + lit_codes);
    sequence.insert(sequence.end(), {1, 1});
    struct Token {
      std::uint8_t symbol;
      std::uint8_t extra;
    };
    std::vector<Token> tokens;
    std::array<std::uint32_t, 19> cl_frequency{};
    for (std::size_t i = 0; i < sequence.size();) {
      std::size_t zeros = 0;
      while (i + zeros < sequence.size() && sequence[i + zeros] == 0 && zeros < 138) ++zeros;
      if (zeros >= 11) {
        tokens.push_back({18, static_cast<std::uint8_t>(zeros - 11)});
      } else if (zeros >= 3) {
        tokens.push_back({17, static_cast<std::uint8_t>(zeros - 3)});
      } else {
        zeros = 1;
        tokens.push_back({sequence[i], 0});
      }
      ++cl_frequency[tokens.back().symbol];
      i += zeros;
    }
    std::array<std::uint8_t, 19> cl_length{};
    std::array<std::uint32_t, 19> cl_code{};
    BuildCodeLengths(cl_frequency, kMaxCodeLengthCodeLength, cl_length);
    BuildCodes(cl_length, cl_code);
    int cl_codes = 19;
    while (cl_codes > 4 &&
           cl_length[kCodeLengthOrder[static_cast<std::size_t>(cl_codes - 1)]] == 0) {
      --cl_codes;
    }

    std::uint64_t block_bits = 17 + 3 * 19 + 14 * tokens.size() + 8 * runs;
    for (int s = 0; s < kLitLenSymbols; ++s) {
      block_bits += std::uint64_t{frequency[static_cast<std::size_t>(s)]} *
                    length[static_cast<std::size_t>(s)];
    }
    reserve(block_bits / 8);
    bits.Put(last == image.height ? 1 : 0, 1);
    bits.Put(2, 2);
    bits.Put(static_cast<std::uint32_t>(lit_codes - 257), 5);
    bits.Put(2 - 1, 5);
    bits.Put(static_cast<std::uint32_t>(cl_codes - 4), 4);
    for (int i = 0; i < cl_codes; ++i) {
      bits.Put(cl_length[kCodeLengthOrder[static_cast<std::size_t>(i)]], 3);
    }
    for (const Token& token : tokens) {
      bits.Put(cl_code[token.symbol], cl_length[token.symbol]);
      if (token.symbol == 17) bits.Put(token.extra, 3);
      if (token.symbol == 18) bits.Put(token.extra, 7);
    }

    // Pass 2: the band's symbols again, coded; a match is its length code, its extra bits and
    // distance code 0 (a single 0 bit).
    // One code table of length and code per symbol, read with one load.
    std::array<std::uint32_t, kLitLenSymbols> packed{};
    for (std::size_t sym = 0; sym < packed.size(); ++sym)
      packed[sym] = code[sym] << 5 | length[sym];
    std::size_t next_match = 0;
    for (int y = first; y < last; ++y) {
      const std::uint8_t* row = row_of(y);
      adler = libdeflate_adler32(adler, &filter_none, 1);
      adler = libdeflate_adler32(adler, row, static_cast<std::size_t>(width));
      BitSink sink = bits;
      sink.Put(code[filter_none], length[filter_none]);
      // Literals two at a time: two codes of at most 15 bits in one write.
      const auto literals = [&](int from, int to) {
        int x = from;
        for (; x + 2 <= to; x += 2) {
          const std::uint32_t a = packed[row[x]];
          const std::uint32_t b = packed[row[x + 1]];
          const int a_bits = static_cast<int>(a & 31);
          sink.Put(a >> 5 | (b >> 5) << a_bits, a_bits + static_cast<int>(b & 31));
        }
        if (x < to) {
          const std::uint32_t a = packed[row[x]];
          sink.Put(a >> 5, static_cast<int>(a & 31));
        }
      };
      int x = 0;
      for (; next_match < matches.size() && matches[next_match].y == y; ++next_match) {
        const Match& match = matches[next_match];
        literals(x, match.x);
        const LengthCode& c = length_codes[static_cast<std::size_t>(match.length)];
        const int code_bits = length[c.symbol];
        sink.Put(code[c.symbol] | static_cast<std::uint32_t>(c.extra) << code_bits,
                 code_bits + c.extra_bits + 1);
        x = match.x + match.length;
      }
      literals(x, width);
      bits = sink;
    }
    bits.Put(code[kEndOfBlock], length[kEndOfBlock]);
    written = static_cast<std::size_t>(bits.out - out.data());
  }
  // The last bits, padded to a whole byte with zeros.
  reserve(8);
  for (; bits.pending > 0; bits.pending -= 8) {
    *bits.out++ = static_cast<std::uint8_t>(bits.buffer);
    bits.buffer >>= 8;
  }
  out.resize(static_cast<std::size_t>(bits.out - out.data()));
  for (const int shift : {24, 16, 8, 0}) out.push_back(static_cast<std::uint8_t>(adler >> shift));
}

}  // namespace esep::vision::internal
