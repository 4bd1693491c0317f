// Measuring one rendered 200-dpi calibration sheet (with a streak, blur and noise) from memory on
// one thread, next to the reference workload of interpreter_bench: one global Otsu threshold over
// the same full frame.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <opencv2/core.hpp>

#include "bench_images.h"
#include "esep/render/degrade.h"
#include "esep/render/render.h"
#include "esep/vision/calibration.h"

namespace {

struct Workload {
  esep::vision::CalibrationLayout layout;
  cv::Mat image;
};

const Workload& Load() {
  static const Workload* workload = [] {
    auto* w = new Workload;
    w->layout = esep::vision::StandardCalibrationLayout();
    absl::StatusOr<cv::Mat> page = esep::render::RenderCalibrationSheet(w->layout, 200);
    if (!page.ok()) std::abort();
    esep::DegradeSpec spec;
    spec.set_rotation_deg(1.0);
    spec.set_blur_sigma_px(0.8);
    spec.set_noise_sigma(3);
    spec.set_streak(true);
    if (!esep::render::Degrade(*page, spec, 200, 5).ok()) std::abort();
    w->image = *page;
    return w;
  }();
  return *workload;
}

void BM_MeasureCalibrationSheet(benchmark::State& state) {
  const Workload& w = Load();
  const esep::vision::GrayImage image = esep::vision::ViewOf(w.image);
  for (auto _ : state) {
    auto m = esep::vision::MeasureCalibrationSheet(image, w.layout, {200});
    if (!m.ok()) state.SkipWithError("sheet not measured");
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_MeasureCalibrationSheet)->Unit(benchmark::kMillisecond);

void BM_OtsuReference(benchmark::State& state) {
  esep::bench::RunOtsuReference(state, Load().image);
}
BENCHMARK(BM_OtsuReference)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  cv::setNumThreads(1);  // one core, for the reference as for the measurement
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
