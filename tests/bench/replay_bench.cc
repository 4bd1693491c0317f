// Replaying ballots from PNG files on two worker threads (esep replay --jobs 2), next to the
// reference workload of the same run: reading and decoding the same files with cv::imdecode on
// two threads and nothing else. Both report ballots per second (items_per_second); their ratio
// says how much of replay is the interpreter and how much is PNG decoding.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <thread>
#include <vector>

#include "esep/audit/json.h"
#include "esep/audit/replay.h"
#include "esep/proto/election.h"
#include "esep/render/marks.h"
#include "esep/render/render.h"

namespace {

constexpr int kBallots = 32;
constexpr int kThreads = 2;

namespace fs = std::filesystem;

// CPU time of every thread of the process: on a shared machine, wall time also counts other
// people's work, CPU time only ours.
double ProcessCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Reports CPU milliseconds per ballot and the rate two otherwise idle cores would reach.
void ReportCpu(benchmark::State& state, double cpu_seconds) {
  const double ballots = static_cast<double>(state.iterations()) * kBallots;
  state.counters["cpu_ms_per_ballot"] = cpu_seconds * 1e3 / ballots;
  state.counters["ballots_per_s_on_2_idle_cores"] = kThreads * ballots / cpu_seconds;
}

struct Workload {
  esep::Election election;
  fs::path directory;
  std::vector<esep::audit::ReplayItem> items;
};

// 32 party-list ballots at 200 dpi, each marked for a different list, written as the daemon
// stores them (lossless PNG, compression level 1).
const Workload& Load() {
  static const Workload* workload = [] {
    auto* w = new Workload;
    absl::StatusOr<esep::Election> election = esep::LoadElectionFile(
        std::string(ESEP_SOURCE_DIR) + "/fixtures/elections/party-list-2021.json");
    if (!election.ok()) std::abort();
    w->election = *election;
    w->directory = fs::temp_directory_path() / ("esep-replay-bench-" + std::to_string(::getpid()));
    fs::create_directories(w->directory);
    const esep::BallotStyle& style = w->election.ballot_styles(0);
    for (int i = 0; i < kBallots; ++i) {
      esep::render::BallotRenderRequest request;
      request.style_id = style.id();
      request.precinct_id = "1001";
      request.dpi = 200;
      absl::StatusOr<cv::Mat> page = esep::render::RenderBallot(w->election, request);
      if (!page.ok()) std::abort();
      esep::MarkSpec mark;
      mark.add_options(style.targets(i % style.targets_size()).option_id());
      mark.set_style(esep::CROSS);
      if (!esep::render::ApplyMarks(*page, w->election, style, {mark}, 200,
                                    static_cast<std::uint64_t>(i))
               .ok()) {
        std::abort();
      }
      std::vector<std::uint8_t> png;
      cv::imencode(".png", *page, png, {cv::IMWRITE_PNG_COMPRESSION, 1});
      const fs::path path = w->directory / (std::to_string(1000 + i) + ".png");
      if (!esep::audit::WriteFileBytes(path.string(), std::string(png.begin(), png.end())).ok()) {
        std::abort();
      }
      w->items.push_back({path.filename().string(), path, false});
    }
    return w;
  }();
  return *workload;
}

void BM_ReplayFromPng(benchmark::State& state) {
  const Workload& w = Load();
  absl::StatusOr<esep::audit::Replayer> replayer =
      esep::audit::Replayer::Create(w.election, "1001", std::nullopt);
  if (!replayer.ok()) std::abort();
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    const std::vector<esep::audit::ReplayedImage> out = replayer->Run(w.items, kThreads);
    if (!out.back().interpretation.accepted()) state.SkipWithError("ballot rejected");
    benchmark::DoNotOptimize(out);
  }
  ReportCpu(state, ProcessCpuSeconds() - cpu_start);
  state.SetItemsProcessed(state.iterations() * kBallots);
}
BENCHMARK(BM_ReplayFromPng)->Unit(benchmark::kMillisecond)->UseRealTime();

// The reference: the same files read and decoded on the same number of threads.
void BM_DecodePngReference(benchmark::State& state) {
  const Workload& w = Load();
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    std::atomic<std::size_t> next{0};
    const auto worker = [&] {
      for (std::size_t i = next++; i < w.items.size(); i = next++) {
        absl::StatusOr<std::string> bytes = esep::audit::ReadFileBytes(w.items[i].path.string());
        if (!bytes.ok()) std::abort();
        absl::StatusOr<cv::Mat> gray = esep::audit::DecodeGray(*bytes);
        benchmark::DoNotOptimize(gray);
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < kThreads; ++t) pool.emplace_back(worker);
    worker();
    for (std::thread& t : pool) t.join();
  }
  ReportCpu(state, ProcessCpuSeconds() - cpu_start);
  state.SetItemsProcessed(state.iterations() * kBallots);
}
BENCHMARK(BM_DecodePngReference)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  cv::setNumThreads(1);  // the replay pool is the only parallelism, for both workloads
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ec;
  fs::remove_all(Load().directory, ec);
  return 0;
}
