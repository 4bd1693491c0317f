#ifndef ESEP_VISION_SRC_HISTOGRAM_H_
#define ESEP_VISION_SRC_HISTOGRAM_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <vector>

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

// The sample of rank n * percent / 100 among the n `samples`, which it reorders. Along an image
// row or column, the 85th percentile is the paper's level where marks and print cover less than
// 15% of the line; the 50th is the median.
template <typename T>
T NthPercentile(std::vector<T>& samples, int percent) {
  const std::size_t rank = samples.size() * static_cast<std::size_t>(percent) / 100;
  std::nth_element(samples.begin(), samples.begin() + static_cast<long>(rank), samples.end());
  return samples[rank];
}

}  // namespace esep::vision

#endif  // ESEP_VISION_SRC_HISTOGRAM_H_
