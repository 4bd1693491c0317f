// Interpreting one rendered 200-dpi party-list ballot from memory on one thread, next to the
// reference workload: one global Otsu threshold over the same full frame (what a simple
// interpreter does first). Each is measured on the clean rendered page and on the same page as a
// working reader's sensor delivers it (render::SensorDegradeSpec(3): skew, blur, noise of sigma 3
// gray levels). After the Google Benchmark runs, medians of both over the same number of runs and
// their ratio are printed for each page.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <opencv2/core.hpp>
#include <vector>

#include "bench_images.h"
#include "esep/render/degrade.h"
#include "esep/vision/interpreter.h"

namespace {

struct Workload {
  esep::Election election;
  cv::Mat image;
  cv::Mat noisy;  // the same page through a working reader's sensor
};

const Workload& Load() {
  static const Workload* workload = [] {
    auto* w = new Workload;
    w->election = esep::bench::LoadFixtureElection("party-list-2021");
    w->image = esep::bench::RenderMarkedBallot(w->election, w->election.ballot_styles(0), "ishenim",
                                               esep::LINE, 7);
    w->noisy = w->image.clone();
    if (!esep::render::Degrade(w->noisy, esep::render::SensorDegradeSpec(3.0), 200, 7).ok()) {
      std::abort();
    }
    return w;
  }();
  return *workload;
}

esep::vision::InterpreterOptions Options() {
  esep::vision::InterpreterOptions options;
  options.precinct_id = "1001";
  return options;
}

using esep::vision::ViewOf;

const cv::Mat& Page(bool noisy) { return noisy ? Load().noisy : Load().image; }

void BM_Interpret(benchmark::State& state) {
  const Workload& w = Load();
  const cv::Mat& page = Page(state.range(0) != 0);
  absl::StatusOr<esep::vision::Interpreter> interpreter =
      esep::vision::Interpreter::Create(w.election, Options());
  if (!interpreter.ok()) std::abort();
  for (auto _ : state) {
    esep::Interpretation in = interpreter->Interpret(ViewOf(page));
    if (!in.accepted()) state.SkipWithError("ballot rejected");
    benchmark::DoNotOptimize(in);
  }
}
BENCHMARK(BM_Interpret)->ArgName("noisy")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_OtsuReference(benchmark::State& state) {
  esep::bench::RunOtsuReference(state, Page(state.range(0) != 0));
}
BENCHMARK(BM_OtsuReference)->ArgName("noisy")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

struct Medians {
  double wall_ms = 0;
  double cpu_ms = 0;  // this thread's CPU time: steadier than wall time on a busy machine
};

template <typename F>
Medians MedianMs(F f, int runs) {
  std::vector<double> wall, cpu;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = esep::bench::ThreadCpuMs();
    f();
    cpu.push_back(esep::bench::ThreadCpuMs() - cpu_start);
    wall.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  const auto mid = static_cast<std::size_t>(runs / 2);
  std::nth_element(wall.begin(), wall.begin() + static_cast<long>(mid), wall.end());
  std::nth_element(cpu.begin(), cpu.begin() + static_cast<long>(mid), cpu.end());
  return {wall[mid], cpu[mid]};
}

}  // namespace

int main(int argc, char** argv) {
  cv::setNumThreads(1);  // one core, for the reference as for the interpreter
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  const Workload& w = Load();
  absl::StatusOr<esep::vision::Interpreter> interpreter =
      esep::vision::Interpreter::Create(w.election, Options());
  if (!interpreter.ok()) return 1;
  constexpr int kRuns = 301;
  for (const bool noisy : {false, true}) {
    const cv::Mat& page = Page(noisy);
    cv::Mat binary(page.size(), CV_8UC1);
    const Medians interpret =
        MedianMs([&] { benchmark::DoNotOptimize(interpreter->Interpret(ViewOf(page))); }, kRuns);
    const Medians otsu = MedianMs([&] { esep::bench::OtsuThreshold(page, binary); }, kRuns);
    std::printf(
        "\n%s %d x %d px ballot, median of %d runs, one thread:\n"
        "                     wall        thread CPU\n"
        "  interpret          %.3f ms    %.3f ms\n"
        "  Otsu reference     %.3f ms    %.3f ms\n"
        "  ratio              %.2f        %.2f\n",
        noisy ? "noisy" : "clean", page.cols, page.rows, kRuns, interpret.wall_ms, interpret.cpu_ms,
        otsu.wall_ms, otsu.cpu_ms, interpret.wall_ms / otsu.wall_ms,
        interpret.cpu_ms / otsu.cpu_ms);
  }
  benchmark::Shutdown();
  return 0;
}
