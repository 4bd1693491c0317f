#include "esep/proto/election.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace esep {
namespace {

const char* const kFixtures[] = {
    "fixtures/elections/party-list-2021.json",   "fixtures/elections/single-mandate-2021.json",
    "fixtures/elections/presidential-2021.json", "fixtures/elections/referendum-2021.json",
    "fixtures/elections/november-2021.json",     "fixtures/elections/january-2021.json",
};

Election LoadPartyList() {
  absl::StatusOr<Election> election = LoadElectionFile(kFixtures[0]);
  EXPECT_TRUE(election.ok()) << election.status();
  return *election;
}

TEST(ElectionTest, LoadsEveryFixtureElection) {
  for (const char* path : kFixtures) {
    absl::StatusOr<Election> election = LoadElectionFile(path);
    ASSERT_TRUE(election.ok()) << path << ": " << election.status();
    EXPECT_FALSE(election->contests().empty());
  }
}

TEST(ElectionTest, PartyListFixtureHas21ListsAndAgainstAll) {
  const Election election = LoadPartyList();
  ASSERT_EQ(election.contests_size(), 1);
  const Contest& contest = election.contests(0);
  EXPECT_EQ(contest.kind(), PARTY_LIST);
  ASSERT_EQ(contest.options_size(), 22);
  int exclusive = 0;
  for (const Option& o : contest.options()) exclusive += o.exclusive();
  EXPECT_EQ(exclusive, 1);
  EXPECT_TRUE(contest.options(21).exclusive());
  EXPECT_EQ(contest.options(0).name().ru(), "Ата-Журт Кыргызстан");
}

TEST(ElectionTest, MissingFileIsNotFound) {
  absl::StatusOr<Election> election = LoadElectionFile("fixtures/elections/no-such.json");
  EXPECT_EQ(election.status().code(), absl::StatusCode::kNotFound);
}

TEST(ElectionTest, RejectsMalformedJsonAndUnknownFields) {
  EXPECT_EQ(ParseElectionJson("{").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseElectionJson("").status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<Election> unknown = ParseElectionJson(R"({"id": "x", "colour": "red"})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("colour"), std::string::npos)
      << unknown.status().message();
}

TEST(ElectionTest, HashIsStableHexAndIgnoresJsonFormatting) {
  const Election election = LoadPartyList();
  const std::string hash = ElectionHash(election);
  ASSERT_EQ(hash.size(), 64u);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(ElectionHash(election), hash);
  EXPECT_EQ(ElectionHashPrefix(election), hash.substr(0, 16));

  // The same definition written differently (other key order, camelCase, spacing) hashes alike.
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(election, &json).ok());
  absl::StatusOr<Election> reparsed = ParseElectionJson(json);
  ASSERT_TRUE(reparsed.ok()) << reparsed.status();
  EXPECT_EQ(ElectionHash(*reparsed), hash);
}

TEST(ElectionTest, HashChangesWithAnyChangeOfTheDefinition) {
  const Election election = LoadPartyList();
  const std::string hash = ElectionHash(election);
  Election moved = election;
  moved.mutable_ballot_styles(0)->mutable_targets(3)->mutable_area()->set_x_mm(176.5);
  EXPECT_NE(ElectionHash(moved), hash);
  Election renamed = election;
  renamed.mutable_contests(0)->mutable_options(0)->mutable_name()->set_ru("Другое имя");
  EXPECT_NE(ElectionHash(renamed), hash);
  Election threshold = election;
  threshold.mutable_mark_thresholds()->set_definite(0.11);
  EXPECT_NE(ElectionHash(threshold), hash);
}

// Each case breaks one rule of a valid definition and names the words the error must contain.
struct ValidationCase {
  const char* name;
  std::function<void(Election&)> breaks;
  const char* expected;
};

void PrintTo(const ValidationCase& c, std::ostream* os) { *os << c.name; }

class ElectionValidationTest : public ::testing::TestWithParam<ValidationCase> {};

TEST_P(ElectionValidationTest, ReportsPreciseError) {
  Election election = LoadPartyList();
  ASSERT_TRUE(ValidateElection(election).ok());
  GetParam().breaks(election);
  const absl::Status status = ValidateElection(election);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(GetParam().expected), std::string::npos)
      << "message was: " << status.message();
}

Target& T(Election& e, int i) { return *e.mutable_ballot_styles(0)->mutable_targets(i); }

INSTANTIATE_TEST_SUITE_P(
    Rules, ElectionValidationTest,
    ::testing::Values(
        ValidationCase{"BadElectionId", [](Election& e) { e.set_id("bad id!"); }, "id \"bad id!\""},
        ValidationCase{"BadDate", [](Election& e) { e.set_date("2021-02-30"); },
                       "not a YYYY-MM-DD date"},
        ValidationCase{"ThresholdsInverted",
                       [](Election& e) { e.mutable_mark_thresholds()->set_marginal(0.5); },
                       "marginal < definite"},
        ValidationCase{"DuplicateContestId", [](Election& e) { *e.add_contests() = e.contests(0); },
                       "duplicate contest id"},
        ValidationCase{
            "DuplicateOptionId",
            [](Election& e) { e.mutable_contests(0)->mutable_options(1)->set_id("ata-jurt"); },
            "duplicate option id"},
        ValidationCase{"VoteForTooLarge",
                       [](Election& e) { e.mutable_contests(0)->set_vote_for(22); },
                       "vote_for 22 is larger than the 21 non-exclusive options"},
        ValidationCase{"VoteForZero", [](Election& e) { e.mutable_contests(0)->set_vote_for(0); },
                       "vote_for must be at least 1"},
        ValidationCase{"VoteForLargestUint32",
                       [](Election& e) { e.mutable_contests(0)->set_vote_for(4294967295u); },
                       "contests[0] \"parliament-list\": vote_for 4294967295 is larger than the "
                       "21 non-exclusive options"},
        ValidationCase{"VoteForAboveInt32",
                       [](Election& e) { e.mutable_contests(0)->set_vote_for(2147483648u); },
                       "vote_for 2147483648 is larger"},
        ValidationCase{"PartyListVoteForTwo",
                       [](Election& e) { e.mutable_contests(0)->set_vote_for(2); },
                       "\"parliament-list\": vote_for 2 in a party-list contest"},
        ValidationCase{"ReferendumVoteForTwo",
                       [](Election& e) {
                         e.mutable_contests(0)->set_kind(REFERENDUM_QUESTION);
                         e.mutable_contests(0)->set_vote_for(2);
                       },
                       "vote_for 2 in a referendum question"},
        ValidationCase{
            "RegisteredVotersLargestUint32",
            [](Election& e) { e.mutable_precincts(1)->set_registered_voters(4294967295u); },
            "precincts[1] \"1002\": registered_voters 4294967295 is more than a "
            "precinct can have"},
        ValidationCase{"HeaderOffPage",
                       [](Election& e) {
                         e.mutable_ballot_styles(0)->mutable_header_area()->set_width_mm(1e300);
                       },
                       ".header_area: rectangle"},
        ValidationCase{"HeaderNotANumber",
                       [](Election& e) {
                         e.mutable_ballot_styles(0)->mutable_header_area()->set_y_mm(std::nan(""));
                       },
                       ".header_area: rectangle"},
        ValidationCase{
            "MissingKind",
            [](Election& e) { e.mutable_contests(0)->set_kind(CONTEST_KIND_UNSPECIFIED); },
            "kind is missing"},
        ValidationCase{"OptionWithoutName",
                       [](Election& e) { e.mutable_contests(0)->mutable_options(2)->clear_name(); },
                       "\"yntymak\": name is empty"},
        ValidationCase{"UnknownPrecinct",
                       [](Election& e) { e.mutable_ballot_styles(0)->add_precinct_ids("9999"); },
                       "unknown precinct \"9999\""},
        ValidationCase{"UnknownContest", [](Election& e) { T(e, 0).set_contest_id("senate"); },
                       "unknown contest"},
        ValidationCase{"UnknownOption", [](Election& e) { T(e, 0).set_option_id("nobody"); },
                       "unknown option for this contest"},
        ValidationCase{"TwoTargetsForOneOption",
                       [](Election& e) { T(e, 1).set_option_id("ata-jurt"); },
                       "already has a target"},
        ValidationCase{
            "OptionWithoutTarget",
            [](Election& e) { e.mutable_ballot_styles(0)->mutable_targets()->RemoveLast(); },
            "option \"against-all\" has no target"},
        ValidationCase{"OverlappingTargets",
                       [](Election& e) { *T(e, 1).mutable_area() = T(e, 0).area(); },
                       "overlaps targets[0]"},
        ValidationCase{"TargetOffPage", [](Election& e) { T(e, 5).mutable_area()->set_x_mm(205); },
                       "is off the 210.0 x 297.0 mm page"},
        ValidationCase{"TargetWithoutArea",
                       [](Election& e) { T(e, 5).mutable_area()->set_width_mm(0); }, "has no area"},
        ValidationCase{"TargetTooSmall",
                       [](Election& e) { T(e, 5).mutable_area()->set_height_mm(2); },
                       "at least 3 x 3 mm"},
        ValidationCase{
            "TargetOnBarcode",
            [](Election& e) { *T(e, 0).mutable_area() = e.ballot_styles(0).barcode().area(); },
            "overlaps the barcode"},
        ValidationCase{"ContestWithNoTargets",
                       [](Election& e) {
                         Contest* extra = e.add_contests();
                         *extra = e.contests(0);
                         extra->set_id("second-list");
                       },
                       "contest \"second-list\" has no targets on any style"},
        ValidationCase{
            "TooFewFiducials",
            [](Election& e) { e.mutable_ballot_styles(0)->mutable_fiducials()->RemoveLast(); },
            "needs at least 4 fiducials, has 3"},
        ValidationCase{"CollinearFiducials",
                       [](Election& e) {
                         for (auto& f : *e.mutable_ballot_styles(0)->mutable_fiducials()) {
                           f.mutable_center()->set_y_mm(10);
                         }
                       },
                       "on one line"},
        ValidationCase{"MissingBarcode",
                       [](Election& e) { e.mutable_ballot_styles(0)->clear_barcode(); },
                       "barcode symbology is missing"},
        ValidationCase{"NotAPaperSize",
                       [](Election& e) { e.mutable_ballot_styles(0)->set_page_width_mm(-1); },
                       "is not a paper size"},
        ValidationCase{"PrecinctOnTwoStyles",
                       [](Election& e) {
                         BallotStyle* copy = e.add_ballot_styles();
                         *copy = e.ballot_styles(0);
                         copy->set_id("list-copy");
                       },
                       "is already served by style \"list\""}),
    [](const ::testing::TestParamInfo<ValidationCase>& param_info) {
      return param_info.param.name;
    });

Election LoadNovember() {
  absl::StatusOr<Election> election = LoadElectionFile("fixtures/elections/november-2021.json");
  EXPECT_TRUE(election.ok()) << election.status();
  return *election;
}

std::vector<std::string> Ids(const std::vector<const Contest*>& contests) {
  std::vector<std::string> ids;
  for (const Contest* c : contests) ids.push_back(c->id());
  return ids;
}

TEST(ElectionTest, APrecinctGetsOneBallotOfEachKindOnATwoBallotDay) {
  const Election election = LoadNovember();
  EXPECT_EQ(BallotKindIds(election), (std::vector<std::string>{"list", "district"}));
  ASSERT_EQ(StylesOfPrecinct(election, "1001").size(), 2u);
  EXPECT_EQ(Ids(ContestsOnBallot(election, "1001", "list")),
            (std::vector<std::string>{"parliament-list"}));
  EXPECT_EQ(Ids(ContestsOnBallot(election, "1001", "district")),
            (std::vector<std::string>{"district-1"}));
  EXPECT_EQ(Ids(ContestsOnBallot(election, "2001", "district")),
            (std::vector<std::string>{"district-2"}));
  EXPECT_EQ(Ids(ContestsOnBallot(election, "1001")),
            (std::vector<std::string>{"parliament-list", "district-1"}));
  EXPECT_TRUE(ContestsOnBallot(election, "1001", "president").empty());

  const ElectionIndex index(election);
  EXPECT_EQ(Ids(index.ContestsOnBallot("2001", "district")),
            (std::vector<std::string>{"district-2"}));
  EXPECT_EQ(Ids(index.ContestsOnBallot("2001")),
            (std::vector<std::string>{"parliament-list", "district-2"}));
  EXPECT_TRUE(index.ContestsOnBallot("2001", "").empty());
}

TEST(ElectionTest, NationalFixturesHaveTheCountrysPrecinctsVotersAndDistricts) {
  for (const char* name : {"national-november-2021", "national-january-2021"}) {
    absl::StatusOr<Election> election =
        LoadElectionFile(std::string("fixtures/elections/") + name + ".json");
    ASSERT_TRUE(election.ok()) << name << ": " << election.status();
    EXPECT_GE(election->precincts_size(), 2400) << name;
    EXPECT_LE(election->precincts_size(), 2600) << name;
    std::uint64_t registered = 0;
    std::set<char> regions;
    for (const Precinct& p : election->precincts()) {
      registered += p.registered_voters();
      regions.insert(p.id()[0]);
    }
    EXPECT_EQ(registered, 3'563'574u) << name;
    EXPECT_EQ(regions.size(), 10u) << "7 regions, 2 cities and abroad";
    EXPECT_EQ(election->ballot_kinds_size(), 2) << name;
  }
  absl::StatusOr<Election> november =
      LoadElectionFile("fixtures/elections/national-november-2021.json");
  ASSERT_TRUE(november.ok());
  int districts = 0, spanning = 0;
  for (const BallotStyle& style : november->ballot_styles()) {
    if (style.ballot_kind() != "district") continue;
    ++districts;
    EXPECT_FALSE(style.precinct_ids().empty()) << style.id();
    std::set<char> regions;
    for (const std::string& id : style.precinct_ids()) regions.insert(id[0]);
    spanning += regions.size() > 1;
  }
  EXPECT_EQ(districts, 36);
  EXPECT_GT(spanning, 0) << "no district spans two regions";
}

TEST(ElectionTest, AnElectionWithoutKindsHasOneUnnamedKind) {
  const Election election = LoadPartyList();
  EXPECT_EQ(BallotKindIds(election), (std::vector<std::string>{""}));
  EXPECT_EQ(Ids(ContestsOnBallot(election, "1001", "")),
            (std::vector<std::string>{"parliament-list"}));
  EXPECT_EQ(Ids(ElectionIndex(election).ContestsOnBallot("1001", "")),
            (std::vector<std::string>{"parliament-list"}));
}

void ExpectProblem(const Election& election, const std::string& expected) {
  const absl::Status status = ValidateElection(election);
  ASSERT_FALSE(status.ok()) << "expected: " << expected;
  EXPECT_NE(status.message().find(expected), std::string::npos) << status.message();
}

TEST(ElectionTest, RefusesTwoStylesOfOneKindAtAPrecinct) {
  Election election = LoadNovember();
  BallotStyle* copy = election.add_ballot_styles();
  *copy = election.ballot_styles(0);
  copy->set_id("list-copy");
  ExpectProblem(election,
                "precinct \"1001\" is already served by style \"list\" for ballot "
                "kind \"list\"");
}

TEST(ElectionTest, RefusesStylesWithoutAKnownKindOnATwoBallotDay) {
  Election missing = LoadNovember();
  missing.mutable_ballot_styles(0)->clear_ballot_kind();
  ExpectProblem(missing, "ballot_styles[0] \"list\": ballot_kind is missing");

  Election unknown = LoadNovember();
  unknown.mutable_ballot_styles(1)->set_ballot_kind("mayor");
  ExpectProblem(unknown, "ballot_styles[1] \"district-1\": unknown ballot kind \"mayor\"");

  Election undeclared = LoadPartyList();
  undeclared.mutable_ballot_styles(0)->set_ballot_kind("list");
  ExpectProblem(undeclared, "ballot kind \"list\" is not declared");
}

TEST(ElectionTest, RefusesAContestOnBallotsOfTwoKinds) {
  Election election = LoadNovember();
  // The district style also carries a copy of the party list's first target.
  BallotStyle* district = election.mutable_ballot_styles(1);
  Target* stray = district->add_targets();
  *stray = election.ballot_styles(0).targets(0);
  stray->mutable_area()->set_y_mm(250);
  stray->mutable_label_area()->set_y_mm(250);
  ExpectProblem(election,
                "contest \"parliament-list\" is on a ballot of kind \"district\" and "
                "of kind \"list\"");
}

TEST(ElectionTest, RefusesAKindWithoutStyleAndDuplicateOrNamelessKinds) {
  Election election = LoadNovember();
  BallotKind* mayor = election.add_ballot_kinds();
  mayor->set_id("mayor");
  ExpectProblem(election, "ballot kind \"mayor\" has no ballot style");
  ExpectProblem(election, "ballot_kinds[2] \"mayor\": name is empty");
  *election.add_ballot_kinds() = election.ballot_kinds(0);
  ExpectProblem(election, "ballot_kinds[3] \"list\": duplicate ballot kind id");
}

TEST(ElectionTest, ReportsEveryProblemNotOnlyTheFirst) {
  Election election = LoadPartyList();
  election.set_date("yesterday");
  election.mutable_contests(0)->set_vote_for(0);
  const absl::Status status = ValidateElection(election);
  EXPECT_NE(status.message().find("date"), std::string::npos);
  EXPECT_NE(status.message().find("vote_for"), std::string::npos);
}

TEST(ElectionTest, ACandidateContestMayAskForSeveralVotes) {
  absl::StatusOr<Election> election = LoadElectionFile(kFixtures[1]);
  ASSERT_TRUE(election.ok()) << election.status();
  election->mutable_contests(0)->set_vote_for(2);
  EXPECT_TRUE(ValidateElection(*election).ok()) << ValidateElection(*election);
  election->mutable_precincts(0)->set_registered_voters(1'000'000);
  EXPECT_TRUE(ValidateElection(*election).ok()) << ValidateElection(*election);
}

TEST(ElectionTest, VoteForFromJsonIsCheckedAsAnUnsignedNumber) {
  absl::StatusOr<Election> election = LoadElectionFile(kFixtures[2]);
  ASSERT_TRUE(election.ok()) << election.status();
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(*election, &json).ok());
  const std::string one = "\"voteFor\":1";
  ASSERT_NE(json.find(one), std::string::npos) << json.substr(0, 400);
  json.replace(json.find(one), one.size(), "\"voteFor\":4294967295");
  absl::StatusOr<Election> parsed = ParseElectionJson(json);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("\"president\": vote_for 4294967295"), std::string::npos)
      << parsed.status().message();
}

TEST(ElectionTest, IdAlphabet) {
  EXPECT_TRUE(IsValidId("ata-jurt_2.0"));
  EXPECT_FALSE(IsValidId(""));
  EXPECT_FALSE(IsValidId("with|pipe"));
  EXPECT_FALSE(IsValidId(std::string(33, 'a')));
  EXPECT_FALSE(IsValidId("Ата"));
}

}  // namespace
}  // namespace esep
