// The tabulation centre's results at 250, 2,500 and 25,000 precincts named as in real definitions
// (national_workload.h: the 28 November 2021 day, party list and 36 districts, two signed
// protocols per precinct at home), read from an SQLite store as `esep-tabulator results` reads
// them, next to a reference workload in the same run: SHA-256 of a fixed 1 MiB buffer.
//
//   BM_ResultsOfStore     ResultsOfStore: the latest protocols, each signature verified again,
//                         aggregated (what `esep-tabulator results` computes)
//   BM_Aggregate          Aggregate over the same protocols, already verified and parsed
//   BM_ResultsFormats     FormatResultsText + FormatResultsJson + ExportNist1500_100 (precinct
//                         level) of those results
//   BM_SiteModelKept      BuildSiteModel with the results kept between publications (the
//                         serving centre's publisher), nothing new stored
//   BM_OneProtocolUpdate  ResultsAggregator::Put of one correction into a country already
//                         counted, then National(): the centre's update after one protocol
//   BM_AggregatorSnapshot ResultsAggregator::Snapshot: the whole results of a held aggregator
//   BM_SiteModel          BuildSiteModel: the public site's data (results, regions, districts,
//                         history, keys)
//   BM_SitePublication    WriteSite: the whole site written as the publisher writes it after
//                         one more protocol, every file again (/0) or the unchanged precincts'
//                         files linked from the generation before (/1)
//
// `results_bench --write-data-dir=DIR --precincts=N` writes a centre's data directory with the
// same workload instead, for timing `esep-tabulator results --data-dir DIR` itself.
#include <benchmark/benchmark.h>
#include <google/protobuf/util/json_util.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "esep/proto/sha256.h"
#include "esep/transport/aggregation.h"
#include "esep/transport/key_store.h"
#include "esep/transport/results_format.h"
#include "esep/transport/results_site.h"
#include "esep/transport/signing.h"
#include "esep/transport/tabulation_results.h"
#include "esep/transport/tabulation_store.h"
#include "national_workload.h"

namespace esep::bench {
namespace {

namespace fs = std::filesystem;

// The workload's protocols, signed by their readers and stored in an SQLite store in `dir`, with
// the election definition beside it as a centre's data directory holds it.
struct StoredWorkload {
  NationalWorkload workload;
  fs::path dir;
  std::unique_ptr<transport::TabulationStore> store;
};

std::unique_ptr<StoredWorkload> WriteStore(int precincts, const fs::path& dir) {
  auto w = std::make_unique<StoredWorkload>();
  w->workload = MakeNationalWorkload(precincts);
  w->dir = dir;
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(w->workload.election, &json, options).ok()) {
    std::abort();
  }
  std::ofstream(dir / "election.json") << json << "\n";
  absl::StatusOr<transport::SigningKey> centre_key = transport::LoadOrCreateKey(dir / "centre.key");
  if (!centre_key.ok()) std::abort();
  const transport::SigningKey centre = *std::move(centre_key);
  absl::StatusOr<std::unique_ptr<transport::TabulationStore>> store =
      transport::TabulationStore::Open((dir / "tabulation.db").string());
  if (!store.ok()) std::abort();
  w->store = *std::move(store);
  const transport::SigningKey reader = transport::SigningKey::Generate();
  // Each precinct's reader registered, as the centre registers them before the day: the results
  // verify every protocol with its reader's registered key.
  std::vector<transport::RegisteredReader> readers;
  std::set<std::pair<std::string, std::string>> registered;
  for (const PrecinctProtocol& p : w->workload.protocols) {
    if (registered.emplace(p.precinct_id(), p.reader_serial()).second) {
      readers.push_back({p.precinct_id(), p.reader_serial(), reader.public_key(),
                         absl::StrCat("cert-", p.reader_serial()), 0});
    }
  }
  if (!w->store->RegisterReaders(readers).ok()) std::abort();
  std::atomic<int> pending{0};
  std::promise<void> all_stored;
  std::atomic<bool> failed{false};
  pending = static_cast<int>(w->workload.protocols.size());
  for (const PrecinctProtocol& p : w->workload.protocols) {
    const SignedProtocol signed_protocol = transport::SignProtocol(p, reader);
    transport::Submission s;
    s.election_id = p.election_id();
    s.precinct_id = p.precinct_id();
    s.reader_serial = p.reader_serial();
    s.revision = p.revision();
    s.status = p.status();
    s.ballot_kind = p.ballot_kind();
    s.signed_protocol = signed_protocol.SerializeAsString();
    s.protocol_sha256 = ToHex(Sha256(signed_protocol.protocol()));
    w->store->Append(
        std::move(s),
        [&centre](const ReceiptBody& body) { return transport::SignReceipt(body, centre); },
        [&](absl::StatusOr<Receipt> receipt) {
          if (!receipt.ok()) failed = true;
          if (--pending == 0) all_stored.set_value();
        });
  }
  all_stored.get_future().wait();
  if (failed) std::abort();
  return w;
}

const StoredWorkload& Load(int precincts) {
  static std::map<int, std::unique_ptr<StoredWorkload>> loaded;
  auto& slot = loaded[precincts];
  if (slot == nullptr) {
    slot = WriteStore(precincts, fs::temp_directory_path() /
                                     absl::StrCat("esep-results-bench-", getpid(), "-", precincts));
  }
  return *slot;
}

struct Cleanup {
  ~Cleanup() {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::temp_directory_path(), ec)) {
      if (e.path().filename().string().starts_with(
              absl::StrCat("esep-results-bench-", getpid(), "-"))) {
        fs::remove_all(e.path(), ec);
      }
    }
  }
} cleanup;

void BM_Sha256Reference(benchmark::State& state) {
  const std::string buffer(1 << 20, 'e');
  for (auto _ : state) benchmark::DoNotOptimize(Sha256(buffer));
}
BENCHMARK(BM_Sha256Reference)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

// 250, 2,500 and 25,000 precincts, in the process's CPU time (verification runs on every core)
// and wall-clock iterations.
void AtNationalSizes(benchmark::internal::Benchmark* b) {
  b->Arg(250)->Arg(2500)->Arg(25000)->MeasureProcessCPUTime()->UseRealTime();
}

void BM_ResultsOfStore(benchmark::State& state) {
  const StoredWorkload& w = Load(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    absl::StatusOr<transport::Results> results =
        transport::ResultsOfStore(w.workload.election, *w.store);
    if (!results.ok() ||
        static_cast<int>(results->precincts_counted) != w.workload.election.precincts_size()) {
      state.SkipWithError("results refused or incomplete");
    }
    benchmark::DoNotOptimize(results);
  }
  state.counters["protocols"] = static_cast<double>(w.workload.protocols.size());
}
BENCHMARK(BM_ResultsOfStore)->Apply(AtNationalSizes)->Unit(benchmark::kMillisecond);

void BM_Aggregate(benchmark::State& state) {
  const StoredWorkload& w = Load(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    absl::StatusOr<transport::Results> results =
        transport::Aggregate(w.workload.election, w.workload.protocols);
    if (!results.ok()) state.SkipWithError("aggregation refused");
    benchmark::DoNotOptimize(results);
  }
}
BENCHMARK(BM_Aggregate)->Apply(AtNationalSizes)->Unit(benchmark::kMillisecond);

void BM_ResultsFormats(benchmark::State& state) {
  const StoredWorkload& w = Load(static_cast<int>(state.range(0)));
  absl::StatusOr<transport::Results> results =
      transport::ResultsOfStore(w.workload.election, *w.store);
  if (!results.ok()) std::abort();
  transport::NistExportOptions nist;
  nist.precinct_level = true;
  std::size_t bytes = 0;
  for (auto _ : state) {
    absl::StatusOr<std::string> text = transport::FormatResultsText(*results);
    absl::StatusOr<std::string> json = transport::FormatResultsJson(*results);
    absl::StatusOr<std::string> report =
        transport::ExportNist1500_100(w.workload.election, *results, nist);
    if (!text.ok() || !json.ok() || !report.ok()) state.SkipWithError("a format refused");
    bytes = text->size() + json->size() + report->size();
  }
  state.counters["MB_written"] = static_cast<double>(bytes) / 1e6;
}
BENCHMARK(BM_ResultsFormats)->Apply(AtNationalSizes)->Unit(benchmark::kMillisecond);

void BM_SiteModel(benchmark::State& state) {
  const StoredWorkload& w = Load(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    absl::StatusOr<transport::SiteModel> model =
        transport::BuildSiteModel(w.workload.election, *w.store, 1638075600);
    if (!model.ok()) state.SkipWithError("site model refused");
    benchmark::DoNotOptimize(model);
  }
}
BENCHMARK(BM_SiteModel)->Apply(AtNationalSizes)->Unit(benchmark::kMillisecond);

// The site's data as the serving centre's publisher builds it, its results kept between
// publications: every protocol already counted, so a publication reads the store's rows (for the
// history) and takes a snapshot, regions and districts, but verifies and counts nothing again.
void BM_SiteModelKept(benchmark::State& state) {
  const StoredWorkload& w = Load(static_cast<int>(state.range(0)));
  transport::ResultsAggregator aggregator(w.workload.election);
  std::int64_t counted_through = 0;
  if (!transport::BuildSiteModel(w.workload.election, *w.store, 1638075600, aggregator,
                                 counted_through)
           .ok()) {
    std::abort();
  }
  for (auto _ : state) {
    absl::StatusOr<transport::SiteModel> model = transport::BuildSiteModel(
        w.workload.election, *w.store, 1638075600, aggregator, counted_through);
    if (!model.ok()) state.SkipWithError("site model refused");
    benchmark::DoNotOptimize(model);
  }
}
BENCHMARK(BM_SiteModelKept)->Apply(AtNationalSizes)->Unit(benchmark::kMillisecond);

// One more protocol at the centre, all the others already counted: a correction of a precinct's
// party-list protocol (two votes moved between lists) replaces its earlier revision in the
// totals, and the country's finished, checked totals are taken.
void BM_OneProtocolUpdate(benchmark::State& state) {
  const StoredWorkload& w = Load(static_cast<int>(state.range(0)));
  transport::ResultsAggregator aggregator(w.workload.election);
  for (const PrecinctProtocol& p : w.workload.protocols) aggregator.Put(p);
  std::vector<PrecinctProtocol> corrections;
  for (std::size_t i = 0; i < w.workload.protocols.size() && corrections.size() < 64; i += 97) {
    PrecinctProtocol c = w.workload.protocols[i];
    if (c.ballot_kind() != "list") continue;
    OptionVotes* a = c.mutable_contests(0)->mutable_options(0);
    OptionVotes* b = c.mutable_contests(0)->mutable_options(1);
    const std::uint64_t moved = std::min<std::uint64_t>(2, a->votes());
    a->set_votes(a->votes() - moved);
    b->set_votes(b->votes() + moved);
    c.set_status(CORRECTION);
    corrections.push_back(std::move(c));
  }
  std::uint32_t revision = 2;
  std::size_t next = 0;
  for (auto _ : state) {
    PrecinctProtocol c = corrections[next++ % corrections.size()];
    c.set_revision(++revision);
    aggregator.Put(std::move(c));
    absl::StatusOr<transport::UnitTotals> national = aggregator.National();
    if (!national.ok()) state.SkipWithError("national totals refused");
    benchmark::DoNotOptimize(national);
  }
  if (static_cast<int>(aggregator.precincts_counted()) != w.workload.election.precincts_size()) {
    state.SkipWithError("a precinct is no longer counted");
  }
}
BENCHMARK(BM_OneProtocolUpdate)->Apply(AtNationalSizes)->Unit(benchmark::kMicrosecond);

// The whole results out of an aggregator that holds them (what a publication takes): every
// precinct's table copied and CheckPublishable run over all of them.
void BM_AggregatorSnapshot(benchmark::State& state) {
  const StoredWorkload& w = Load(static_cast<int>(state.range(0)));
  transport::ResultsAggregator aggregator(w.workload.election);
  for (const PrecinctProtocol& p : w.workload.protocols) aggregator.Put(p);
  for (auto _ : state) {
    absl::StatusOr<transport::Results> results = aggregator.Snapshot();
    if (!results.ok()) state.SkipWithError("results refused");
    benchmark::DoNotOptimize(results);
  }
}
BENCHMARK(BM_AggregatorSnapshot)->Apply(AtNationalSizes)->Unit(benchmark::kMillisecond);

// One publication of the whole site by the serving centre's publisher (every page in three
// languages, data/ID.json, the signed protocols, the manifest hashed and signed, the generation
// switched and the oldest removed), the results kept and one more precinct changed since the
// publication before. Second argument 1: the files of the precincts with nothing new are linked
// from the generation before (SiteCarryOver); 0: every file is rendered and written again.
void BM_SitePublication(benchmark::State& state) {
  const StoredWorkload& w = Load(static_cast<int>(state.range(0)));
  const bool linked = state.range(1) != 0;
  const Election& election = w.workload.election;
  transport::ResultsAggregator aggregator(election);
  std::int64_t counted_through = 0;
  absl::StatusOr<transport::SiteModel> model =
      transport::BuildSiteModel(election, *w.store, 1638075600, aggregator, counted_through);
  absl::StatusOr<transport::SiteText> text = transport::SiteTextOfCatalogs();
  if (!model.ok() || !text.ok()) std::abort();
  transport::SiteOptions options;
  options.root = w.dir / (linked ? "site-linked" : "site-whole");
  options.text = *std::move(text);
  options.keep_generations = 2;
  const std::unique_ptr<transport::Signer> centre =
      transport::MakeFileSigner(transport::SigningKey::Generate(), "centre.key");
  transport::SiteCarryOver carry;
  if (linked && !transport::WriteSite(election, *model, *centre, options, &carry).ok()) {
    std::abort();
  }
  int next = 0;
  for (auto _ : state) {
    carry.changed_precincts.insert(election.precincts(next++ % election.precincts_size()).id());
    absl::StatusOr<fs::path> generation =
        transport::WriteSite(election, *model, *centre, options, linked ? &carry : nullptr);
    if (!generation.ok()) state.SkipWithError("the site was not published");
  }
  std::error_code ignored;
  fs::remove_all(options.root, ignored);
}
BENCHMARK(BM_SitePublication)
    ->ArgsProduct({{250, 2500, 25000}, {0, 1}})
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace esep::bench

int main(int argc, char** argv) {
  std::string data_dir;
  int precincts = 2500;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.starts_with("--write-data-dir=")) data_dir = arg.substr(17);
    if (arg.starts_with("--precincts=") && !absl::SimpleAtoi(arg.substr(12), &precincts)) {
      return 2;
    }
  }
  if (!data_dir.empty()) {
    const auto stored = esep::bench::WriteStore(precincts, data_dir);
    std::cout << "wrote " << stored->workload.protocols.size() << " protocols of " << precincts
              << " precincts to " << data_dir << "\n";
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
