// Aggregating a national party-list count into results and publishing them, at 250, 2,450 (the
// size of the country's count) and 25,000 precincts named as in real definitions (the Kyrgyz and
// Russian names of the commission, region and district), next to the reference workload:
// CheckProtocol over the same protocols with one index of the definition, which every
// aggregation must run. Compare BM_Aggregate with BM_CheckReference at the same size; the time
// must grow in proportion to the precincts.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "bench_common.h"
#include "esep/proto/election.h"
#include "esep/proto/protocol_checks.h"
#include "esep/transport/aggregation.h"
#include "esep/transport/results_format.h"

namespace {

struct Workload {
  esep::Election election;
  std::vector<esep::PrecinctProtocol> protocols;
};

const Workload& Load(int precincts) {
  static std::map<int, const Workload*> loaded;
  if (auto it = loaded.find(precincts); it != loaded.end()) return *it->second;
  const Workload* workload = [precincts] {
    auto* w = new Workload;
    w->election = esep::bench::LoadFixtureElection("party-list-2021");
    w->election.clear_precincts();
    w->election.mutable_ballot_styles(0)->clear_precinct_ids();
    static const char* const kRegions[][2] = {{"Бишкек шаары", "город Бишкек"},
                                              {"Ош шаары", "город Ош"},
                                              {"Чүй облусу", "Чуйская область"},
                                              {"Ош облусу", "Ошская область"},
                                              {"Жалал-Абад облусу", "Джалал-Абадская область"},
                                              {"Баткен облусу", "Баткенская область"},
                                              {"Нарын облусу", "Нарынская область"},
                                              {"Ысык-Көл облусу", "Иссык-Кульская область"},
                                              {"Талас облусу", "Таласская область"}};
    for (int i = 0; i < precincts; ++i) {
      esep::Precinct* p = w->election.add_precincts();
      p->set_id(absl::StrFormat("%05d", 1000 + i));
      const auto& region = kRegions[i % 9];
      p->mutable_name()->set_ky(absl::StrFormat("%s, %d-шайлоо округу, №%d шайлоо участкасы",
                                                region[0], 1 + i % 36, 1000 + i));
      p->mutable_name()->set_ru(
          absl::StrFormat("%s, избирательный округ №%d, участковая избирательная комиссия №%d",
                          region[1], 1 + i % 36, 1000 + i));
      p->set_registered_voters(3000);
      w->election.mutable_ballot_styles(0)->add_precinct_ids(p->id());
    }
    const std::string hash = esep::ElectionHash(w->election);
    const esep::Contest& contest = w->election.contests(0);
    for (int i = 0; i < precincts; ++i) {
      esep::PrecinctProtocol p;
      p.set_election_id(w->election.id());
      p.set_election_hash(hash);
      p.set_precinct_id(w->election.precincts(i).id());
      p.set_status(esep::FINAL);
      p.set_revision(1);
      esep::ContestResult* r = p.add_contests();
      r->set_contest_id(contest.id());
      r->set_vote_for(1);
      std::uint64_t valid = 0;
      for (int o = 0; o < contest.options_size(); ++o) {
        esep::OptionVotes* v = r->add_options();
        v->set_option_id(contest.options(o).id());
        v->set_votes(static_cast<std::uint64_t>((i * 7 + o * 13) % 60 + (o < 6 ? 40 : 0)));
        valid += v->votes();
      }
      r->set_valid_ballots(valid);
      r->set_invalid_ballots(9);
      p.set_ballots_in_stationary_box(valid + 9);
      p.set_ballots_issued_in_room(valid + 9);
      p.set_ballots_cancelled(3000 - valid - 9);
      p.set_ballots_received(3000);
      p.set_voters_on_list(3000);
      w->protocols.push_back(std::move(p));
    }
    return w;
  }();
  loaded[precincts] = workload;
  return *workload;
}

void BM_Aggregate(benchmark::State& state) {
  const Workload& w = Load(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    absl::StatusOr<esep::transport::Results> results =
        esep::transport::Aggregate(w.election, w.protocols);
    if (!results.ok()) state.SkipWithError(std::string(results.status().message()).c_str());
    benchmark::DoNotOptimize(results);
  }
}
BENCHMARK(BM_Aggregate)->Arg(250)->Arg(2450)->Arg(25000)->Unit(benchmark::kMillisecond);

void BM_AggregateAndPublish(benchmark::State& state) {
  const Workload& w = Load(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    absl::StatusOr<esep::transport::Results> results =
        esep::transport::Aggregate(w.election, w.protocols);
    if (!results.ok()) state.SkipWithError("aggregation refused");
    benchmark::DoNotOptimize(esep::transport::FormatResultsJson(*results));
    benchmark::DoNotOptimize(esep::transport::ExportNist1500_100(w.election, *results));
  }
}
BENCHMARK(BM_AggregateAndPublish)->Arg(250)->Arg(2450)->Arg(25000)->Unit(benchmark::kMillisecond);

void BM_CheckReference(benchmark::State& state) {
  const Workload& w = Load(static_cast<int>(state.range(0)));
  const esep::ElectionIndex index(w.election);
  for (auto _ : state) {
    for (const esep::PrecinctProtocol& p : w.protocols) {
      benchmark::DoNotOptimize(esep::CheckProtocol(p, index, std::nullopt));
    }
  }
}
BENCHMARK(BM_CheckReference)->Arg(250)->Arg(2450)->Arg(25000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
