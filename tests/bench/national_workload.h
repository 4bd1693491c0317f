// A national election day of any size, shaped like 28 November 2021
// (fixtures/elections/national-november-2021.json): the party list in every precinct and 36
// single-mandate districts over the precincts at home, precincts named as in real definitions (the
// region, the commission's number and its address, in Kyrgyz and Russian), and every precinct's
// signed protocols of both ballot kinds. Deterministic for a given size and seed.
#ifndef ESEP_TESTS_BENCH_NATIONAL_WORKLOAD_H_
#define ESEP_TESTS_BENCH_NATIONAL_WORKLOAD_H_

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench_common.h"
#include "esep/proto/election.h"
#include "esep/proto/election.pb.h"
#include "esep/proto/precinct_protocol.pb.h"
#include "esep/proto/signed.pb.h"
#include "esep/transport/signing.h"

namespace esep::bench {

struct NationalWorkload {
  Election election;
  std::string hash;
  // Each precinct's protocols in the order its reader sends them: the party list (revision 1),
  // then its district (revision 2) for a precinct at home.
  std::vector<PrecinctProtocol> protocols;
};

// The votes of one protocol's contest: `valid` ballots spread over the options, "against all"
// (the last, exclusive option) included.
inline void FillContest(const Contest& contest, std::uint32_t valid, std::uint32_t invalid,
                        std::mt19937& rng, ContestResult& result) {
  result.set_contest_id(contest.id());
  result.set_vote_for(contest.vote_for());
  std::vector<std::uint32_t> weights;
  std::uint64_t weight_sum = 0;
  for (int o = 0; o < contest.options_size(); ++o) {
    weights.push_back(1 + rng() % (o < 6 ? 400 : 60));
    weight_sum += weights.back();
  }
  std::uint32_t given = 0;
  for (int o = 0; o < contest.options_size(); ++o) {
    const auto votes = static_cast<std::uint32_t>(valid * weights[o] / weight_sum);
    OptionVotes* v = result.add_options();
    v->set_option_id(contest.options(o).id());
    v->set_votes(votes);
    given += votes;
  }
  result.mutable_options(0)->set_votes(result.options(0).votes() + valid - given);
  result.set_valid_ballots(valid);
  result.set_invalid_ballots(invalid);
}

// One precinct's protocol of one ballot kind; every control relation holds.
inline PrecinctProtocol MakeProtocol(const Election& election, const std::string& hash,
                                     const Precinct& precinct, const std::string& kind,
                                     const std::vector<const Contest*>& contests,
                                     std::uint32_t revision, std::mt19937& rng) {
  PrecinctProtocol p;
  p.set_election_id(election.id());
  p.set_election_hash(hash);
  p.set_precinct_id(precinct.id());
  p.set_reader_serial(absl::StrCat("KG-", precinct.id()));
  p.set_status(FINAL);  // the first protocol of each kind
  p.set_revision(revision);
  p.set_ballot_kind(kind);
  const std::uint32_t on_list = precinct.registered_voters() - rng() % 40;
  const std::uint32_t in_boxes = on_list * (300 + rng() % 150) / 1000;
  const std::uint32_t mobile = in_boxes / 30;
  const std::uint32_t invalid = in_boxes * (rng() % 25) / 1000;
  p.set_voters_on_list(on_list);
  p.set_ballots_received(on_list + 50);
  p.set_ballots_issued_in_room(in_boxes - mobile);
  p.set_ballots_issued_outside(mobile);
  p.set_ballots_cancelled(on_list + 50 - in_boxes);
  p.set_ballots_in_stationary_box(in_boxes - mobile);
  p.set_ballots_in_mobile_boxes(mobile);
  for (const Contest* contest : contests) {
    FillContest(*contest, in_boxes - invalid, invalid, rng, *p.add_contests());
  }
  return p;
}

inline NationalWorkload MakeNationalWorkload(int precincts, std::uint32_t seed = 20211128) {
  NationalWorkload w;
  w.election = LoadFixtureElection("national-november-2021");
  w.election.clear_precincts();
  // The fixture's regions and their shares of its 2,510 precincts; "0" is abroad.
  struct Region {
    const char* code;
    const char* ky;
    const char* ru;
    int precincts;
  };
  static const Region kRegions[] = {
      {"1", "Бишкек шаары", "город Бишкек", 240},
      {"2", "Ош шаары", "город Ош", 70},
      {"3", "Баткен облусу", "Баткенская область", 200},
      {"4", "Жалал-Абад облусу", "Джалал-Абадская область", 500},
      {"5", "Ысык-Көл облусу", "Иссык-Кульская область", 250},
      {"6", "Нарын облусу", "Нарынская область", 220},
      {"7", "Ош облусу", "Ошская область", 520},
      {"8", "Талас облусу", "Таласская область", 130},
      {"9", "Чүй облусу", "Чуйская область", 330},
      {"0", "Чет өлкөлөр", "За рубежом", 50},
  };
  static const char* const kStreets[][2] = {
      {"Токтогул көчөсү", "ул. Токтогула"}, {"Чүй проспекти", "пр. Чуй"},
      {"Ахунбаев көчөсү", "ул. Ахунбаева"}, {"Манас проспекти", "пр. Манаса"},
      {"Ленин көчөсү", "ул. Ленина"},       {"Курманжан Датка көчөсү", "ул. Курманжан Датки"},
      {"Масалиев көчөсү", "ул. Масалиева"}, {"Жибек Жолу проспекти", "пр. Жибек Жолу"},
      {"Айтматов көчөсү", "ул. Айтматова"}, {"Эркиндик бульвары", "бульвар Эркиндик"},
      {"Фрунзе көчөсү", "ул. Фрунзе"},      {"Абдрахманов көчөсү", "ул. Абдрахманова"},
  };
  static const char* const kBuildings[][2] = {
      {"орто мектеби", "средняя школа"},
      {"маданият үйү", "дом культуры"},
      {"гимназиясы", "гимназия"},
      {"айыл өкмөтүнүн имараты", "здание айыл окмоту"},
  };
  std::mt19937 rng(seed);
  std::vector<std::string> home;  // precincts at home, in region order
  std::vector<std::string> all;
  for (const Region& region : kRegions) {
    const int count = std::max(1, precincts * region.precincts / 2510);
    for (int n = 1; n <= count && static_cast<int>(all.size()) < precincts; ++n) {
      Precinct* p = w.election.add_precincts();
      p->set_id(absl::StrFormat("%s%04d", region.code, n));
      const auto& street = kStreets[rng() % std::size(kStreets)];
      const auto& building = kBuildings[rng() % std::size(kBuildings)];
      const int school = 1 + static_cast<int>(rng() % 90);
      const int house = 1 + static_cast<int>(rng() % 240);
      p->mutable_name()->set_ky(absl::StrFormat("%s, №%s шайлоо участкасы, %s %d, №%d %s",
                                                region.ky, p->id(), street[0], house, school,
                                                building[0]));
      p->mutable_name()->set_ru(absl::StrFormat("%s, избирательный участок №%s, %s, %d, %s №%d",
                                                region.ru, p->id(), street[1], house, building[1],
                                                school));
      p->set_registered_voters(600 + rng() % 1900);
      all.push_back(p->id());
      if (std::string(region.code) != "0") home.push_back(p->id());
    }
  }
  // The party list everywhere; 36 districts, each a run of precincts at home (make_national.py).
  for (BallotStyle& style : *w.election.mutable_ballot_styles()) style.clear_precinct_ids();
  std::vector<int> district_styles;
  int list_style = -1;
  for (int s = 0; s < w.election.ballot_styles_size(); ++s) {
    if (w.election.ballot_styles(s).ballot_kind() == "list") {
      list_style = s;
    } else {
      district_styles.push_back(s);
    }
  }
  for (const std::string& id : all)
    w.election.mutable_ballot_styles(list_style)->add_precinct_ids(id);
  const std::size_t districts = district_styles.size();
  for (std::size_t i = 0; i < home.size(); ++i) {
    const std::size_t d = std::min(districts - 1, i * districts / home.size());
    w.election.mutable_ballot_styles(district_styles[d])->add_precinct_ids(home[i]);
  }
  w.hash = ElectionHash(w.election);
  const ElectionIndex index(w.election, w.hash);
  for (const Precinct& precinct : w.election.precincts()) {
    std::uint32_t revision = 0;
    for (const char* kind : {"list", "district"}) {
      const std::vector<const Contest*>& contests = index.ContestsOnBallot(precinct.id(), kind);
      if (contests.empty()) continue;
      w.protocols.push_back(
          MakeProtocol(w.election, w.hash, precinct, kind, contests, ++revision, rng));
    }
  }
  return w;
}

}  // namespace esep::bench

#endif  // ESEP_TESTS_BENCH_NATIONAL_WORKLOAD_H_
