#include "esep/transport/results_format.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "absl/strings/str_split.h"
#include "esep/proto/election.h"
#include "nlohmann/json.hpp"
#include "results_fixtures.h"

namespace esep::transport {
namespace {

using Json = nlohmann::json;
using testing::LoadFixture;
using testing::MakeProtocol;

Results MustAggregate(const Election& election, const std::vector<PrecinctProtocol>& protocols) {
  absl::StatusOr<Results> results = Aggregate(election, protocols);
  EXPECT_TRUE(results.ok()) << results.status();
  return results.ok() ? *results : Results();
}

Results SingleMandate(bool complete) {
  const Election election = LoadFixture("single-mandate-2021");
  std::vector<PrecinctProtocol> protocols = {
      MakeProtocol(election, "1001", {300, 200, 100, 50, 40, 30, 250}, 10),
      MakeProtocol(election, "2001", {200, 150, 100, 50, 420}, 9)};
  if (complete) {
    protocols.push_back(MakeProtocol(election, "1002", {250, 220, 90, 60, 30, 20, 200}, 12));
  }
  return MustAggregate(election, protocols);
}

Results PartyList() {
  const Election election = LoadFixture("party-list-2021");
  std::vector<std::uint64_t> votes(22, 3);
  votes[0] = 400;
  votes[1] = 300;
  votes[2] = 200;
  return MustAggregate(election, {MakeProtocol(election, "1001", votes, 7),
                                  MakeProtocol(election, "2001", votes, 3)});
}

// The display columns at which `needle` ends on each line that holds it.
std::set<std::size_t> ColumnsWhereEnds(const std::string& text, const std::string& needle) {
  std::set<std::size_t> ends;
  const std::vector<std::string> lines = absl::StrSplit(text, '\n');
  for (const std::string& line : lines) {
    const std::size_t at = line.find(needle);
    if (at == std::string::npos) continue;
    std::size_t columns = 0;
    for (std::size_t i = 0; i < at + needle.size(); ++i) columns += (line[i] & 0xC0) != 0x80;
    ends.insert(columns);
  }
  return ends;
}

TEST(FormatResultsTextTest, LabelsPartialResults) {
  absl::StatusOr<std::string> partial = FormatResultsText(SingleMandate(false));
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_NE(partial->find("Precincts counted 2 of 3 - PARTIAL RESULTS"), std::string::npos);
  absl::StatusOr<std::string> complete = FormatResultsText(SingleMandate(true));
  ASSERT_TRUE(complete.ok()) << complete.status();
  EXPECT_EQ(complete->find("PARTIAL"), std::string::npos);
  EXPECT_NE(complete->find("all precincts counted"), std::string::npos);
}

TEST(FormatResultsTextTest, FlagsAgainstAllAndAlignsCyrillicNames) {
  const Results results = SingleMandate(true);
  absl::StatusOr<std::string> text = FormatResultsText(results);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_NE(text->find("AGAINST ALL LEADS"), std::string::npos);
  EXPECT_NE(text->find("Leader: " + results.national.contests[0].options[0].name),
            std::string::npos);
  // Every share of district 2's national table ends in the same column, whatever the name.
  std::set<std::size_t> ends;
  for (const OptionTotal& o : results.national.contests[1].options) {
    const std::string cell = FormatShare(o.share) + "%";
    const std::vector<std::string> lines = absl::StrSplit(*text, '\n');
    for (const std::string& line : lines) {
      if (line.find(o.name) == std::string::npos) continue;
      const std::set<std::size_t> at = ColumnsWhereEnds(line, cell);
      ends.insert(at.begin(), at.end());
      break;
    }
  }
  EXPECT_EQ(ends.size(), 1u) << *text;
}

TEST(FormatResultsTextTest, PrintsOnePrecinctOrRefusesAnUncountedOne) {
  const Results results = SingleMandate(false);
  absl::StatusOr<std::string> text = FormatResultsText(results, "2001");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_NE(text->find("== Precinct 2001"), std::string::npos);
  EXPECT_EQ(text->find("== Country"), std::string::npos);
  EXPECT_EQ(text->find("== Precinct 1001"), std::string::npos);
  EXPECT_EQ(FormatResultsText(results, "1002").status().code(), absl::StatusCode::kNotFound);
}

// A protocol held for review: 3440 ballots in the boxes of 1001's 2150 voters on the list.
Results WithAHeldPrecinct() {
  const Election election = LoadFixture("single-mandate-2021");
  PrecinctProtocol held = MakeProtocol(election, "1001", {1500, 900, 400, 300, 100, 90, 140}, 10);
  held.set_voters_on_list(2150);
  held.set_ballots_issued_in_room(2100);
  held.set_ballots_issued_outside(50);
  held.set_ballots_cancelled(held.ballots_received() - 2150);
  return MustAggregate(election,
                       {held, MakeProtocol(election, "2001", {200, 150, 100, 50, 420}, 9)});
}

TEST(FormatResultsTextTest, ListsWhatIsNotCountedWithItsReason) {
  const Results results = WithAHeldPrecinct();
  ASSERT_EQ(results.excluded.size(), 1u);
  absl::StatusOr<std::string> text = FormatResultsText(results);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(text->find("== Precinct 1001"), std::string::npos) << *text;
  EXPECT_NE(text->find("== Not counted (1) ==\nPrecinct 1001, protocol revision 1: held for "
                       "review: ballots in the boxes L6 + L7 = 3440 are more than the voters on "
                       "the list L1 = 2150 (turnout 160.00%)"),
            std::string::npos)
      << *text;
  absl::StatusOr<std::string> one = FormatResultsText(results, "1001");
  EXPECT_EQ(one.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(one.status().message().find("is held for review"), std::string::npos) << one.status();

  absl::StatusOr<std::string> json = FormatResultsJson(results);
  ASSERT_TRUE(json.ok()) << json.status();
  const Json j = Json::parse(*json);
  ASSERT_EQ(j["not_counted"].size(), 1u);
  EXPECT_EQ(j["not_counted"][0]["precinct"], "1001");
  EXPECT_EQ(j["not_counted"][0]["why"], "held_for_review");
  EXPECT_EQ(j["precincts"].size(), 1u);
}

TEST(FormatResultsTest, NoFormatPublishesAnImpossibleFigure) {
  const Election election = LoadFixture("single-mandate-2021");
  Results results = SingleMandate(true);
  results.precincts[0].ballots_in_boxes = results.precincts[0].voters_on_list * 8 / 5;
  results.precincts[0].turnout = 16000;
  EXPECT_EQ(FormatResultsText(results).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(FormatResultsJson(results).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ExportNist1500_100(election, results).status().code(), absl::StatusCode::kInternal);
  results = SingleMandate(true);
  results.national.contests[0].options[0].share = 9000;
  results.national.contests[0].options[1].share = 9000;
  absl::StatusOr<std::string> text = FormatResultsText(results);
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(text.status().message().find("results are not published"), std::string::npos);
}

TEST(FormatResultsTextTest, ShowsThresholdAndSeatsForTheNation) {
  absl::StatusOr<std::string> text = FormatResultsText(PartyList());
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_NE(text->find("Threshold  Seats"), std::string::npos);
  EXPECT_NE(text->find("54 seats by largest remainder"), std::string::npos);
  EXPECT_NE(text->find("Provisional until every precinct is counted"), std::string::npos);
}

TEST(FormatResultsJsonTest, CarriesEveryCountAndIsStable) {
  const Results results = PartyList();
  absl::StatusOr<std::string> json = FormatResultsJson(results);
  ASSERT_TRUE(json.ok()) << json.status();
  const std::string& text = *json;
  EXPECT_EQ(text, *FormatResultsJson(results));
  const Json j = Json::parse(text);
  EXPECT_EQ(j["election"]["id"], results.election_id);
  EXPECT_EQ(j["status"], "partial");
  EXPECT_EQ(j["rules"]["threshold_base"], "ballots_in_boxes");
  EXPECT_EQ(j["national"]["ballots_in_boxes"], results.national.ballots_in_boxes);
  ASSERT_EQ(j["precincts"].size(), results.precincts.size());
  const Json& list = j["national"]["contests"][0];
  std::uint64_t seats = 0;
  std::uint64_t votes = 0;
  for (std::size_t i = 0; i < list["options"].size(); ++i) {
    const Json& o = list["options"][i];
    EXPECT_EQ(o["votes"], results.national.contests[0].options[i].votes);
    EXPECT_EQ(o["share"], FormatShare(o["share_basis_points"].get<std::uint64_t>()));
    seats += o["seats"].get<std::uint64_t>();
    votes += o["votes"].get<std::uint64_t>();
  }
  EXPECT_EQ(seats, 54u);
  EXPECT_EQ(votes, list["votes_for_options"].get<std::uint64_t>());
  // Keys keep their written order.
  EXPECT_LT(text.find("\"election\""), text.find("\"status\""));
  EXPECT_LT(text.find("\"status\""), text.find("\"national\""));
  EXPECT_LT(text.find("\"national\""), text.find("\"precincts\":"));
}

// Every "@id" of the report, and every reference to one, for a referential check.
void CollectIds(const Json& j, std::multiset<std::string>& ids, std::vector<std::string>& refs) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& key = it.key();
      if (key == "@id") ids.insert(it.value().get<std::string>());
      const bool ref = key == "GpUnitId" || key == "ElectoralDistrictId" ||
                       key == "ElectionScopeId" || key == "ContestId";
      const bool refs_list = key == "GpUnitIds" || key == "ComposingGpUnitIds" ||
                             key == "PartyIds" || key == "CandidateIds" ||
                             key == "OrderedBallotSelectionIds";
      if (ref) refs.push_back(it.value().get<std::string>());
      if (refs_list) {
        for (const Json& r : it.value()) refs.push_back(r.get<std::string>());
      }
      CollectIds(it.value(), ids, refs);
    }
  } else if (j.is_array()) {
    for (const Json& item : j) CollectIds(item, ids, refs);
  }
}

// The schema's required properties of the types the export writes.
void CheckRequired(const Json& j) {
  static const std::map<std::string, std::vector<std::string>> kRequired = {
      {"ElectionResults.ElectionReport",
       {"Format", "GeneratedDate", "Issuer", "IssuerAbbreviation", "SequenceEnd", "SequenceStart",
        "Status", "VendorApplicationId"}},
      {"ElectionResults.Election", {"ElectionScopeId", "EndDate", "Name", "StartDate", "Type"}},
      {"ElectionResults.ReportingUnit", {"Type", "@id"}},
      {"ElectionResults.Party", {"Name", "@id"}},
      {"ElectionResults.Candidate", {"BallotName", "@id"}},
      {"ElectionResults.CandidateContest", {"VotesAllowed", "ElectoralDistrictId", "Name", "@id"}},
      {"ElectionResults.PartyContest", {"ElectoralDistrictId", "Name", "@id"}},
      {"ElectionResults.BallotMeasureContest", {"ElectoralDistrictId", "Name", "@id"}},
      {"ElectionResults.CandidateSelection", {"CandidateIds", "@id"}},
      {"ElectionResults.PartySelection", {"PartyIds", "@id"}},
      {"ElectionResults.BallotMeasureSelection", {"Selection", "@id"}},
      {"ElectionResults.BallotStyle", {"GpUnitIds"}},
      {"ElectionResults.VoteCounts", {"Count", "Type"}},
      {"ElectionResults.SummaryCounts", {"Type"}},
      {"ElectionResults.InternationalizedText", {"Text"}},
      {"ElectionResults.LanguageString", {"Content", "Language"}},
      {"ElectionResults.OrderedContest", {"ContestId"}},
      {"ElectionResults.ExternalIdentifier", {"Type", "Value"}},
  };
  if (j.is_object()) {
    ASSERT_TRUE(j.contains("@type")) << j.dump();
    auto it = kRequired.find(j["@type"].get<std::string>());
    ASSERT_NE(it, kRequired.end()) << j["@type"];
    for (const std::string& key : it->second) EXPECT_TRUE(j.contains(key)) << key << j.dump();
    for (auto child = j.begin(); child != j.end(); ++child) {
      if (child.value().is_structured()) CheckRequired(child.value());
    }
  } else if (j.is_array()) {
    for (const Json& item : j) CheckRequired(item);
  }
}

Json Export(const Election& election, const Results& results, bool precinct_level) {
  NistExportOptions options;
  options.generated_date = "2021-11-28T20:00:00Z";
  options.precinct_level = precinct_level;
  absl::StatusOr<std::string> text = ExportNist1500_100(election, results, options);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? Json::parse(*text) : Json();
}

TEST(ExportNistTest, SummaryReportParsesWithResolvableIdsAndTheTotals) {
  const Election election = LoadFixture("single-mandate-2021");
  const Results results = SingleMandate(false);
  const Json report = Export(election, results, false);
  EXPECT_EQ(report["@type"], "ElectionResults.ElectionReport");
  EXPECT_EQ(report["Format"], "summary-contest");
  EXPECT_EQ(report["Status"], "unofficial-partial");
  EXPECT_EQ(report["GeneratedDate"], "2021-11-28T20:00:00Z");
  CheckRequired(report);
  std::multiset<std::string> ids;
  std::vector<std::string> refs;
  CollectIds(report, ids, refs);
  for (const std::string& id : ids) EXPECT_EQ(ids.count(id), 1u) << id;
  for (const std::string& ref : refs) EXPECT_EQ(ids.count(ref), 1u) << ref;

  // The country, three precincts and one district per contest held in part of the country.
  EXPECT_EQ(report["GpUnit"].size(), 1u + 3u + 2u);
  EXPECT_EQ(report["GpUnit"][0]["Type"], "country");
  EXPECT_EQ(report["GpUnit"][0]["SubUnitsReported"], 2);
  const Json& contests = report["Election"][0]["Contest"];
  ASSERT_EQ(contests.size(), 2u);
  for (std::size_t c = 0; c < contests.size(); ++c) {
    const ContestTotal& total = results.national.contests[c];
    EXPECT_EQ(contests[c]["@type"], "ElectionResults.CandidateContest");
    const Json& selections = contests[c]["BallotSelection"];
    ASSERT_EQ(selections.size(), total.options.size());
    for (std::size_t i = 0; i < selections.size(); ++i) {
      ASSERT_EQ(selections[i]["VoteCounts"].size(), 1u);
      const Json& count = selections[i]["VoteCounts"][0];
      EXPECT_EQ(count["Type"], "total");
      EXPECT_EQ(count["GpUnitId"], contests[c]["ElectoralDistrictId"]);
      EXPECT_EQ(count["Count"].get<std::uint64_t>(), total.options[i].votes);
      // "Against all" is a selection with text only, never a candidate.
      EXPECT_EQ(selections[i]["@type"], total.options[i].exclusive
                                            ? "ElectionResults.BallotMeasureSelection"
                                            : "ElectionResults.CandidateSelection");
    }
  }
}

TEST(ExportNistTest, PrecinctLevelReportAddsUpToTheTotalsForEveryKind) {
  for (const char* name : {"party-list-2021", "presidential-2021", "referendum-2021"}) {
    Election election = LoadFixture(name);
    // Lists long enough for the votes below, so that every precinct is counted.
    for (Precinct& precinct : *election.mutable_precincts()) precinct.set_registered_voters(5000);
    std::vector<PrecinctProtocol> protocols;
    for (const Precinct& precinct : election.precincts()) {
      const Contest* contest = testing::ContestOfPrecinct(election, precinct.id());
      ASSERT_NE(contest, nullptr);
      std::vector<std::uint64_t> votes;
      for (int i = 0; i < contest->options_size(); ++i) votes.push_back(7 * i + precinct.id()[0]);
      protocols.push_back(MakeProtocol(election, precinct.id(), votes, 5));
    }
    const Results results = MustAggregate(election, protocols);
    const Json report = Export(election, results, true);
    EXPECT_EQ(report["Format"], "precinct-level");
    EXPECT_EQ(report["Status"], "unofficial-complete");
    CheckRequired(report);
    const Json& contest = report["Election"][0]["Contest"][0];
    const std::string district = contest["ElectoralDistrictId"];
    EXPECT_EQ(district, report["Election"][0]["ElectionScopeId"]);
    for (std::size_t i = 0; i < contest["BallotSelection"].size(); ++i) {
      std::uint64_t total = 0;
      std::uint64_t precincts = 0;
      for (const Json& count : contest["BallotSelection"][i]["VoteCounts"]) {
        if (count["GpUnitId"] == district) {
          total = count["Count"];
        } else {
          precincts += count["Count"].get<std::uint64_t>();
        }
      }
      EXPECT_EQ(total, precincts) << name;
      EXPECT_EQ(total, results.national.contests[0].options[i].votes) << name;
    }
    if (election.contests(0).kind() == PARTY_LIST) {
      EXPECT_EQ(contest["@type"], "ElectionResults.PartyContest");
      EXPECT_EQ(report["Party"].size(), 21u);  // every list, against all is no party
    } else if (election.contests(0).kind() == REFERENDUM_QUESTION) {
      EXPECT_EQ(contest["@type"], "ElectionResults.BallotMeasureContest");
      EXPECT_EQ(report["Election"][0]["Type"], "other");
    } else {
      EXPECT_EQ(report["Election"][0]["Candidate"].size(), 5u);
    }
  }
}

TEST(ExportNistTest, RefusesResultsOfAnotherElection) {
  const Election president = LoadFixture("presidential-2021");
  EXPECT_EQ(ExportNist1500_100(president, SingleMandate(true)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace esep::transport
