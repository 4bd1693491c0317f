// What the image benchmarks share: a marked ballot page rendered in memory and the reference
// workload, one global Otsu threshold over the same frame.
#ifndef ESEP_TESTS_BENCH_BENCH_IMAGES_H_
#define ESEP_TESTS_BENCH_BENCH_IMAGES_H_

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <span>
#include <string>

#include "bench_common.h"
#include "esep/render/marks.h"
#include "esep/render/render.h"
#include "esep/vision/image_codec.h"

namespace esep::bench {

// A 200-dpi ballot of precinct 1001 in `style`, marked for `option` with hand-like strokes.
inline cv::Mat RenderMarkedBallot(const Election& election, const BallotStyle& style,
                                  const std::string& option, MarkStyle mark_style,
                                  std::uint64_t seed) {
  render::BallotRenderRequest request;
  request.style_id = style.id();
  request.precinct_id = "1001";
  request.dpi = 200;
  absl::StatusOr<cv::Mat> page = render::RenderBallot(election, request);
  if (!page.ok()) std::abort();
  MarkSpec mark;
  mark.add_options(option);
  mark.set_style(mark_style);
  if (!render::ApplyMarks(*page, election, style, {mark}, 200, seed).ok()) std::abort();
  return *page;
}

// One global Otsu threshold over `image`, the reference workload of the image benchmarks.
inline void OtsuThreshold(const cv::Mat& image, cv::Mat& binary) {
  benchmark::DoNotOptimize(
      cv::threshold(image, binary, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU));
  benchmark::ClobberMemory();
}

inline void RunOtsuReference(benchmark::State& state, const cv::Mat& image) {
  cv::Mat binary(image.size(), CV_8UC1);
  for (auto _ : state) OtsuThreshold(image, binary);
}

}  // namespace esep::bench

#endif  // ESEP_TESTS_BENCH_BENCH_IMAGES_H_
