#ifndef ESEP_VISION_SRC_HISTOGRAM_H_
#define ESEP_VISION_SRC_HISTOGRAM_H_

#include <array>
#include <cstddef>

namespace esep::vision {

// Counts of gray levels 0-255 in a region.
using Histogram = std::array<int, 256>;

// Gray level below which a fraction `p` of the `total` counted pixels lie.
inline int Percentile(const Histogram& hist, long long total, double p) {
  const long long rank = static_cast<long long>(p * static_cast<double>(total));
  long long seen = 0;
  for (int level = 0; level < 256; ++level) {
    seen += hist[static_cast<std::size_t>(level)];
    if (seen > rank) return level;
  }
  return 255;
}

}  // namespace esep::vision

#endif  // ESEP_VISION_SRC_HISTOGRAM_H_
