// What storing one scanned page costs esepd before its decision: encoding the stored PNG and
// hashing it, on a clean rendered page and on a page as a sensor delivers it (skew, blur, sensor
// noise), next to the reference workload of the image benchmarks (one Otsu threshold over the
// same frame). The noisy page has what a working reader's sensor adds
// (render::SensorDegradeSpec: skew, blur, noise of sigma 3 gray levels). Each encoding benchmark
// reports the stored size (`kb_per_page`).
#include <benchmark/benchmark.h>
#include <sodium.h>
#include <zstd.h>

#include <cstdio>
#include <cstring>
#include <opencv2/core.hpp>
#include <vector>

#include "bench_images.h"
#include "esep/proto/sha256.h"
#include "esep/render/degrade.h"

namespace {

struct Pages {
  cv::Mat clean;
  cv::Mat noisy;
};

const Pages& Load() {
  static const Pages* pages = [] {
    auto* p = new Pages;
    const esep::Election election = esep::bench::LoadFixtureElection("party-list-2021");
    p->clean = esep::bench::RenderMarkedBallot(election, election.ballot_styles(0), "ishenim",
                                               esep::LINE, 7);
    p->noisy = p->clean.clone();
    if (!esep::render::Degrade(p->noisy, esep::render::SensorDegradeSpec(3.0), 200, 7).ok())
      std::abort();
    return p;
  }();
  return *pages;
}

const cv::Mat& Page(bool noisy) { return noisy ? Load().noisy : Load().clean; }

// esepd's stored format: vision::EncodeGrayPng at the level under test (-1: kPngHuffmanOnly, the
// stored encoding).
void BM_EncodeStoredPng(benchmark::State& state) {
  const cv::Mat& page = Page(state.range(0) != 0);
  const int level = static_cast<int>(state.range(1));
  std::size_t size = 0;
  for (auto _ : state) {
    absl::StatusOr<std::vector<std::uint8_t>> png =
        esep::vision::EncodeGrayPng(esep::vision::ViewOf(page), level);
    if (!png.ok()) state.SkipWithError("encoding failed");
    size = png->size();
    benchmark::DoNotOptimize(png);
  }
  state.counters["kb_per_page"] = static_cast<double>(size) / 1000.0;
}
BENCHMARK(BM_EncodeStoredPng)
    ->ArgNames({"noisy", "level"})
    ->ArgsProduct({{0, 1}, {esep::vision::kPngHuffmanOnly, 0, 1, 2, 6}})
    ->Unit(benchmark::kMillisecond);

// Decoding the stored page as replay does (vision::DecodeGrayPng into a reused buffer), for the
// encoding under test (level -1: kPngHuffmanOnly).
void BM_DecodeStoredPng(benchmark::State& state) {
  const cv::Mat& page = Page(state.range(0) != 0);
  absl::StatusOr<std::vector<std::uint8_t>> png =
      esep::vision::EncodeGrayPng(esep::vision::ViewOf(page), static_cast<int>(state.range(1)));
  if (!png.ok()) std::abort();
  cv::Mat buffer;
  for (auto _ : state) {
    absl::StatusOr<cv::Mat> gray = esep::vision::DecodeGrayPng(*png, &buffer);
    if (!gray.ok()) state.SkipWithError("decoding failed");
    benchmark::DoNotOptimize(gray);
  }
}
BENCHMARK(BM_DecodeStoredPng)
    ->ArgNames({"noisy", "level"})
    ->ArgsProduct({{0, 1}, {esep::vision::kPngHuffmanOnly, 1}})
    ->Unit(benchmark::kMillisecond);

// For comparison, another lossless format: the page's pixels as one Zstandard frame (libzstd,
// one thread), with its decoding time (`decode_ms`).
void BM_Zstd(benchmark::State& state) {
  const cv::Mat& page = Page(state.range(0) != 0);
  const int level = static_cast<int>(state.range(1));
  std::vector<std::uint8_t> rows(static_cast<std::size_t>(page.cols) * page.rows);
  for (int y = 0; y < page.rows; ++y) {
    std::memcpy(&rows[static_cast<std::size_t>(y) * page.cols], page.ptr(y), page.cols);
  }
  std::vector<std::uint8_t> out(ZSTD_compressBound(rows.size()));
  std::vector<std::uint8_t> back(rows.size());
  std::size_t size = 0;
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  for (auto _ : state) {
    size = ZSTD_compressCCtx(cctx, out.data(), out.size(), rows.data(), rows.size(), level);
  }
  ZSTD_freeCCtx(cctx);
  const double start = esep::bench::ThreadCpuMs();
  for (int i = 0; i < 20; ++i) ZSTD_decompress(back.data(), back.size(), out.data(), size);
  state.counters["decode_ms"] = (esep::bench::ThreadCpuMs() - start) / 20;
  state.counters["kb_per_page"] = static_cast<double>(size) / 1000.0;
}
BENCHMARK(BM_Zstd)
    ->ArgNames({"noisy", "level"})
    ->ArgsProduct({{0, 1}, {-1, 1}})
    ->Unit(benchmark::kMillisecond);

void BM_Sha256StoredPng(benchmark::State& state) {
  const cv::Mat& page = Page(state.range(0) != 0);
  absl::StatusOr<std::vector<std::uint8_t>> png =
      esep::vision::EncodeGrayPng(esep::vision::ViewOf(page));
  if (!png.ok()) std::abort();
  for (auto _ : state) benchmark::DoNotOptimize(esep::Sha256(*png));
  state.counters["kb_per_page"] = static_cast<double>(png->size()) / 1000.0;
}
BENCHMARK(BM_Sha256StoredPng)->ArgName("noisy")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The SHA-256 esep used before (libsodium's portable code), for comparison: the same digest.
void BM_Sha256Libsodium(benchmark::State& state) {
  const cv::Mat& page = Page(state.range(0) != 0);
  absl::StatusOr<std::vector<std::uint8_t>> png =
      esep::vision::EncodeGrayPng(esep::vision::ViewOf(page));
  if (!png.ok() || sodium_init() < 0) std::abort();
  esep::Sha256Digest digest;
  for (auto _ : state) {
    crypto_hash_sha256(digest.data(), png->data(), png->size());
    benchmark::DoNotOptimize(digest);
  }
  if (digest != esep::Sha256(*png)) state.SkipWithError("the digests differ");
}
BENCHMARK(BM_Sha256Libsodium)->ArgName("noisy")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_OtsuReference(benchmark::State& state) {
  esep::bench::RunOtsuReference(state, Page(state.range(0) != 0));
}
BENCHMARK(BM_OtsuReference)->ArgName("noisy")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  cv::setNumThreads(1);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
