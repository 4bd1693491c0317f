// Replaying ballots from PNG files on two worker threads (esep replay --jobs 2), next to the
// reference workloads of the same run: reading and decoding the same files on two threads and
// nothing else, with the reader's PNG codec (what replay uses) and with libpng through
// cv::imdecode. All report ballots per second (items_per_second); the ratio of replay to bare
// decoding says how much of replay is the interpreter and how much is reading images. The same
// ballots are replayed as clean rendered pages and as a working reader's sensor delivers them
// (render::SensorDegradeSpec(3): skew, blur, noise of sigma 3 gray levels), each stored as esepd
// stores a page (vision::EncodeGrayPng); replay of the noisy pages also runs on one thread, to
// show how --jobs scales.
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

#include "bench_images.h"
#include "esep/audit/json.h"
#include "esep/audit/replay.h"
#include "esep/render/degrade.h"
#include "esep/vision/image_codec.h"

namespace {

constexpr int kBallots = 32;
constexpr int kThreads = 2;

namespace fs = std::filesystem;

using esep::bench::ProcessCpuSeconds;

// Reports CPU milliseconds per ballot and the rate two otherwise idle cores would reach.
void ReportCpu(benchmark::State& state, double cpu_seconds) {
  const double ballots = static_cast<double>(state.iterations()) * kBallots;
  state.counters["cpu_ms_per_ballot"] = cpu_seconds * 1e3 / ballots;
  state.counters["ballots_per_s_on_2_idle_cores"] = 2 * ballots / cpu_seconds;
}

struct Workload {
  esep::Election election;
  fs::path directory;
  std::vector<esep::audit::ReplayItem> stored;  // as the reader stores them
  std::vector<esep::audit::ReplayItem> libpng;  // as libpng writes them (older stores, other tools)
  std::vector<esep::audit::ReplayItem> noisy;   // through a sensor, as the reader stores them
};

void WriteOrAbort(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
  if (!esep::audit::WriteFileBytes(path.string(), std::string(bytes.begin(), bytes.end())).ok()) {
    std::abort();
  }
}

// 32 party-list ballots at 200 dpi, each marked for a different list, written twice: with the
// reader's codec (vision::EncodeGrayPng: no row filters, libdeflate) and with libpng through
// cv::imencode at compression 1 (adaptive row filters, zlib).
const Workload& Load() {
  static const Workload* workload = [] {
    auto* w = new Workload;
    w->election = esep::bench::LoadFixtureElection("party-list-2021");
    w->directory = fs::temp_directory_path() / ("esep-replay-bench-" + std::to_string(::getpid()));
    fs::create_directories(w->directory / "stored");
    fs::create_directories(w->directory / "libpng");
    fs::create_directories(w->directory / "noisy");
    const esep::BallotStyle& style = w->election.ballot_styles(0);
    for (int i = 0; i < kBallots; ++i) {
      const cv::Mat page = esep::bench::RenderMarkedBallot(
          w->election, style, style.targets(i % style.targets_size()).option_id(), esep::CROSS,
          static_cast<std::uint64_t>(i));
      const std::string name = std::to_string(1000 + i) + ".png";
      absl::StatusOr<std::vector<std::uint8_t>> stored =
          esep::vision::EncodeGrayPng(esep::vision::ViewOf(page));
      if (!stored.ok()) std::abort();
      WriteOrAbort(w->directory / "stored" / name, *stored);
      w->stored.push_back({name, {w->directory / "stored", name}, false});
      std::vector<std::uint8_t> libpng;
      cv::imencode(".png", page, libpng, {cv::IMWRITE_PNG_COMPRESSION, 1});
      WriteOrAbort(w->directory / "libpng" / name, libpng);
      w->libpng.push_back({name, {w->directory / "libpng", name}, false});
      cv::Mat noisy = page.clone();
      if (!esep::render::Degrade(noisy, esep::render::SensorDegradeSpec(3.0), 200,
                                 static_cast<std::uint64_t>(i))
               .ok()) {
        std::abort();
      }
      absl::StatusOr<std::vector<std::uint8_t>> noisy_stored =
          esep::vision::EncodeGrayPng(esep::vision::ViewOf(noisy));
      if (!noisy_stored.ok()) std::abort();
      WriteOrAbort(w->directory / "noisy" / name, *noisy_stored);
      w->noisy.push_back({name, {w->directory / "noisy", name}, false});
    }
    return w;
  }();
  return *workload;
}

// Calls `work` once per item on kThreads threads.
template <typename Work>
void OnThreads(const std::vector<esep::audit::ReplayItem>& items, const Work& work) {
  std::atomic<std::size_t> next{0};
  const auto worker = [&] {
    for (std::size_t i = next++; i < items.size(); i = next++) work(items[i]);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < kThreads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
}

std::string ReadOrAbort(const esep::audit::ReplayItem& item) {
  absl::StatusOr<std::string> bytes = esep::audit::ReadFileInside(item.file);
  if (!bytes.ok()) std::abort();
  return *std::move(bytes);
}

void Replay(benchmark::State& state, const std::vector<esep::audit::ReplayItem>& items,
            int threads = kThreads) {
  const Workload& w = Load();
  absl::StatusOr<esep::audit::Replayer> replayer =
      esep::audit::Replayer::Create(w.election, "1001", std::nullopt);
  if (!replayer.ok()) std::abort();
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    const std::vector<esep::audit::ReplayedImage> out = replayer->Run(items, threads);
    for (const esep::audit::ReplayedImage& image : out) {
      if (!image.interpretation.accepted()) state.SkipWithError("ballot rejected");
    }
    benchmark::DoNotOptimize(out);
  }
  ReportCpu(state, ProcessCpuSeconds() - cpu_start);
  state.SetItemsProcessed(state.iterations() * kBallots);
  std::uintmax_t bytes = 0;
  for (const esep::audit::ReplayItem& item : items) bytes += fs::file_size(item.file.Path());
  state.counters["kb_per_file"] = static_cast<double>(bytes) / 1000.0 / kBallots;
}

// The figure: replay of the files as the reader stores them.
void BM_ReplayStoredPng(benchmark::State& state) { Replay(state, Load().stored); }
BENCHMARK(BM_ReplayStoredPng)->Unit(benchmark::kMillisecond)->UseRealTime();

// Replay of the noisy pages as the reader stores them, on `threads` workers (esep replay --jobs).
void BM_ReplayStoredNoisyPng(benchmark::State& state) {
  Replay(state, Load().noisy, static_cast<int>(state.range(0)));
}
BENCHMARK(BM_ReplayStoredNoisyPng)
    ->ArgName("jobs")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Reads and decodes every file of `items` on kThreads threads with `decode` (bytes -> image).
template <typename Decode>
void DecodeStored(benchmark::State& state, const Decode& decode,
                  const std::vector<esep::audit::ReplayItem>& items) {
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    OnThreads(items, [&](const esep::audit::ReplayItem& item) {
      cv::Mat gray = decode(ReadOrAbort(item));
      if (gray.empty()) std::abort();
      benchmark::DoNotOptimize(gray);
    });
  }
  ReportCpu(state, ProcessCpuSeconds() - cpu_start);
  state.SetItemsProcessed(state.iterations() * kBallots);
}

cv::Mat DecodeAsReplayDoes(const std::string& bytes) {
  thread_local cv::Mat buffer;
  absl::StatusOr<cv::Mat> gray = esep::audit::DecodeGray(bytes, &buffer);
  return gray.ok() ? *gray : cv::Mat();
}

// The reference: the same files read and decoded as replay decodes them (one reused page
// buffer per thread), on the same threads.
void BM_DecodeStoredPngReference(benchmark::State& state) {
  DecodeStored(state, DecodeAsReplayDoes, Load().stored);
}
BENCHMARK(BM_DecodeStoredPngReference)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same for the noisy pages: what of their replay is reading and decoding.
void BM_DecodeStoredNoisyPng(benchmark::State& state) {
  DecodeStored(state, DecodeAsReplayDoes, Load().noisy);
}
BENCHMARK(BM_DecodeStoredNoisyPng)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same files decoded by libpng (cv::imdecode), as any PNG reader would.
void BM_DecodeStoredPngWithLibpng(benchmark::State& state) {
  DecodeStored(
      state,
      [](const std::string& bytes) {
        const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1,
                          const_cast<char*>(bytes.data()));
        return cv::imdecode(raw, cv::IMREAD_GRAYSCALE);
      },
      Load().stored);
}
BENCHMARK(BM_DecodeStoredPngWithLibpng)->Unit(benchmark::kMillisecond)->UseRealTime();

// Replay of PNG files written by libpng with adaptive row filters (stores made before the
// reader's codec, or other tools): the same decoder, undoing Sub, Up, Average and Paeth rows.
void BM_ReplayLibpngWrittenPng(benchmark::State& state) { Replay(state, Load().libpng); }
BENCHMARK(BM_ReplayLibpngWrittenPng)->Unit(benchmark::kMillisecond)->UseRealTime();

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
