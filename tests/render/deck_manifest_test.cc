#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <set>
#include <sstream>

#include "esep/proto/election.h"
#include "esep/render/deck.h"
#include "esep/render/marks.h"
#include "esep/render/render.h"
#include "esep/render/spec.h"

namespace esep::render {
namespace {

constexpr char kRoot[] = ESEP_SOURCE_DIR;

Election Load(const std::string& name) {
  absl::StatusOr<Election> election =
      LoadElectionFile(std::string(kRoot) + "/fixtures/elections/" + name + ".json");
  EXPECT_TRUE(election.ok()) << election.status();
  return election.ok() ? *election : Election();
}

MarkSpec Mark(MarkStyle style, std::vector<std::string> options) {
  MarkSpec spec;
  spec.set_style(style);
  for (const std::string& o : options) spec.add_options(o);
  return spec;
}

class ExpectReadingTest : public testing::Test {
 protected:
  void SetUp() override {
    party_list_ = Load("party-list-2021");
    setting_.election = &party_list_;
    setting_.precinct_id = "1001";
  }

  RenderSpec Spec(std::vector<MarkSpec> marks) const {
    RenderSpec spec;
    spec.set_election("fixtures/elections/party-list-2021.json");
    spec.set_style_id("list");
    spec.set_precinct_id("1001");
    spec.set_dpi(200);
    for (const MarkSpec& m : marks) *spec.add_marks() = m;
    return spec;
  }

  DeckBallot Expect(const RenderSpec& spec, const Election* printed = nullptr) const {
    absl::StatusOr<DeckBallot> ballot =
        ExpectReading(setting_, printed != nullptr ? *printed : party_list_, spec);
    EXPECT_TRUE(ballot.ok()) << ballot.status();
    return ballot.ok() ? *ballot : DeckBallot();
  }

  static std::vector<int> Allowed(const ExpectedContest& c) {
    return std::vector<int>(c.allowed().begin(), c.allowed().end());
  }
  static std::vector<int> Allowed(const ExpectedTarget& t) {
    return std::vector<int>(t.allowed().begin(), t.allowed().end());
  }
  static std::vector<std::string> Selections(const ExpectedContest& c) {
    return std::vector<std::string>(c.selections().begin(), c.selections().end());
  }

  Election party_list_;
  DeckSetting setting_;
};

TEST_F(ExpectReadingTest, OneVoteIsValidAndKept) {
  const DeckBallot b = Expect(Spec({Mark(CHECK, {"ishenim"})}));
  EXPECT_TRUE(b.expect_accepted());
  EXPECT_EQ(b.expect_reason(), REJECTION_REASON_UNSPECIFIED);
  ASSERT_EQ(b.targets_size(), 22);
  for (const ExpectedTarget& t : b.targets()) {
    EXPECT_EQ(Allowed(t), std::vector<int>{t.option_id() == "ishenim" ? MARKED : EMPTY});
  }
  ASSERT_EQ(b.contests_size(), 1);
  EXPECT_EQ(Allowed(b.contests(0)), std::vector<int>{VALID});
  EXPECT_EQ(Selections(b.contests(0)), std::vector<std::string>{"ishenim"});
  EXPECT_FALSE(b.expect_returned());
}

TEST_F(ExpectReadingTest, TwoPartiesAreAnOvervoteReturnedToTheVoter) {
  const DeckBallot b = Expect(Spec({Mark(FILLED, {"ata-jurt"}), Mark(LINE, {"reforma"})}));
  EXPECT_TRUE(b.expect_accepted());
  EXPECT_EQ(Allowed(b.contests(0)), std::vector<int>{OVERVOTE});
  EXPECT_TRUE(b.contests(0).selections().empty());
  EXPECT_TRUE(b.expect_returned());
}

TEST_F(ExpectReadingTest, AgainstAllWithAPartyIsAnOvervote) {
  const DeckBallot b = Expect(Spec({Mark(CROSS, {"against-all", "parliament-list:ordo"})}));
  EXPECT_EQ(Allowed(b.contests(0)), std::vector<int>{OVERVOTE});
  EXPECT_TRUE(b.expect_returned());
  // Against all alone is a valid vote.
  const DeckBallot alone = Expect(Spec({Mark(CROSS, {"against-all"})}));
  EXPECT_EQ(Allowed(alone.contests(0)), std::vector<int>{VALID});
  EXPECT_EQ(Selections(alone.contests(0)), std::vector<std::string>{"against-all"});
  EXPECT_FALSE(alone.expect_returned());
}

TEST_F(ExpectReadingTest, ABlankBallotIsReturned) {
  const DeckBallot b = Expect(Spec({}));
  EXPECT_TRUE(b.expect_accepted());
  EXPECT_EQ(Allowed(b.contests(0)), std::vector<int>{BLANK});
  EXPECT_TRUE(b.expect_returned());
  // Stray marks outside the targets change nothing.
  RenderSpec stray = Spec({});
  stray.set_stray_marks(5);
  EXPECT_EQ(Allowed(Expect(stray).contests(0)), std::vector<int>{BLANK});
}

TEST_F(ExpectReadingTest, ALightMarkAllowsEitherReadingAndIsReturned) {
  const DeckBallot b = Expect(Spec({Mark(LIGHT, {"azattyk"})}));
  for (const ExpectedTarget& t : b.targets()) {
    const std::vector<int> expected =
        t.option_id() == "azattyk" ? std::vector<int>{MARGINAL, MARKED} : std::vector<int>{EMPTY};
    EXPECT_EQ(Allowed(t), expected) << t.option_id();
  }
  EXPECT_EQ(Allowed(b.contests(0)), (std::vector<int>{VALID, BLANK}));
  EXPECT_TRUE(Selections(b.contests(0)).empty());
  EXPECT_TRUE(b.expect_returned());

  const DeckBallot with_vote = Expect(Spec({Mark(FILLED, {"emgek"}), Mark(LIGHT, {"ordo"})}));
  EXPECT_EQ(Allowed(with_vote.contests(0)), (std::vector<int>{VALID, OVERVOTE}));
  EXPECT_EQ(Selections(with_vote.contests(0)), std::vector<std::string>{"emgek"});
  EXPECT_TRUE(with_vote.expect_returned());
}

TEST_F(ExpectReadingTest, FewerThanNIsAnUndervote) {
  // The presidential definition changed to vote for 2, read by a reader set up with it.
  Election two = Load("presidential-2021");
  two.mutable_contests(0)->set_vote_for(2);
  DeckSetting setting;
  setting.election = &two;
  setting.precinct_id = "1001";
  RenderSpec spec;
  spec.set_style_id("president");
  spec.set_precinct_id("1001");
  *spec.add_marks() = Mark(FILLED, {"tolbaev"});
  absl::StatusOr<DeckBallot> one = ExpectReading(setting, two, spec);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(Allowed(one->contests(0)), std::vector<int>{UNDERVOTE});
  EXPECT_EQ(Selections(one->contests(0)), std::vector<std::string>{"tolbaev"});
  EXPECT_FALSE(one->expect_returned());

  *spec.add_marks() = Mark(CHECK, {"japarov"});
  absl::StatusOr<DeckBallot> both = ExpectReading(setting, two, spec);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(Allowed(both->contests(0)), std::vector<int>{VALID});
  // Ballot order, not marking order.
  EXPECT_EQ(Selections(both->contests(0)), (std::vector<std::string>{"japarov", "tolbaev"}));

  *spec.add_marks() = Mark(CROSS, {"segizbaev"});
  absl::StatusOr<DeckBallot> three = ExpectReading(setting, two, spec);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(Allowed(three->contests(0)), std::vector<int>{OVERVOTE});
  EXPECT_TRUE(three->expect_returned());
}

TEST_F(ExpectReadingTest, RejectionsNameTheirReason) {
  const Election president = Load("presidential-2021");
  RenderSpec other;
  other.set_style_id("president");
  other.set_precinct_id("1001");
  struct Case {
    RenderSpec spec;
    const Election* printed;
    RejectionReason reason;
  };
  std::vector<Case> cases;
  cases.push_back({other, &president, WRONG_ELECTION});
  RenderSpec s = Spec({Mark(FILLED, {"ishenim"})});
  s.set_no_barcode(true);
  cases.push_back({s, nullptr, NO_BARCODE});
  s = Spec({});
  s.set_blank_page(true);
  cases.push_back({s, nullptr, NOT_A_BALLOT_PAGE});
  s = Spec({Mark(FILLED, {"ishenim"})});
  s.set_test(true);
  cases.push_back({s, nullptr, TEST_BALLOT_WHILE_LIVE});
  s = Spec({Mark(FILLED, {"ishenim"})});
  s.set_precinct_id("2001");
  cases.push_back({s, nullptr, WRONG_PRECINCT});
  for (const Case& c : cases) {
    const DeckBallot b = Expect(c.spec, c.printed);
    EXPECT_FALSE(b.expect_accepted()) << RejectionReason_Name(c.reason);
    EXPECT_EQ(b.expect_reason(), c.reason) << RejectionReason_Name(c.reason);
    EXPECT_TRUE(b.expect_returned());
    EXPECT_TRUE(b.targets().empty());
    EXPECT_TRUE(b.contests().empty());
  }
  // A live ballot in a test deck.
  DeckSetting test_mode = setting_;
  test_mode.test_mode = true;
  absl::StatusOr<DeckBallot> live = ExpectReading(test_mode, party_list_, Spec({}));
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(live->expect_reason(), LIVE_BALLOT_IN_TEST);
}

TEST_F(ExpectReadingTest, RefusesMarksOfUnknownOptions) {
  absl::StatusOr<DeckBallot> b =
      ExpectReading(setting_, party_list_, Spec({Mark(FILLED, {"no-such-party"})}));
  ASSERT_FALSE(b.ok());
  EXPECT_NE(std::string(b.status().message()).find("no-such-party"), std::string::npos);
}

TEST(ManifestTest, JsonRoundTrips) {
  absl::StatusOr<DeckManifest> deck = GenerateDeck("edge", kRoot);
  ASSERT_TRUE(deck.ok()) << deck.status();
  absl::StatusOr<std::string> json = ManifestToJson(*deck);
  ASSERT_TRUE(json.ok());
  absl::StatusOr<DeckManifest> back = ManifestFromJson(*json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->SerializeAsString(), deck->SerializeAsString());
  EXPECT_FALSE(ManifestFromJson("{\"name\": \"x\", \"unknown_field\": 1}").ok());
  EXPECT_FALSE(GenerateDeck("no-such-deck", kRoot).ok());
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::filesystem::path DeckDir(const std::string& name) {
  return std::filesystem::path(kRoot) / "fixtures" / "decks" / name;
}

// Scores every target interior of a page the way the interpreter is told to (mean darkness
// relative to the paper, over the paper-to-ink range) and checks that the class each score falls
// in (definite / marginal thresholds of the election) is one the manifest allows. For accepted
// ballots whose sheet was not moved (no skew, scale or shift); an upside-down one is turned back.
void ExpectScoresFitAllowedClasses(const DeckBallot& ballot, cv::Mat page,
                                   const Election& election) {
  const RenderSpec& spec = ballot.render();
  const DegradeSpec& damage = spec.degrade();
  ASSERT_TRUE(ballot.expect_accepted());
  ASSERT_TRUE(damage.rotation_deg() == 0 && damage.scale() == 0 && damage.shift_x_mm() == 0 &&
              damage.shift_y_mm() == 0);
  if (damage.upside_down()) cv::rotate(page, page, cv::ROTATE_180);
  const double contrast = damage.contrast() == 0 ? 1.0 : damage.contrast();
  const double paper = 128 + 127 * contrast, ink = 128 - 128 * contrast;
  const BallotStyle* style = FindBallotStyle(election, spec.style_id());
  ASSERT_NE(style, nullptr);
  ASSERT_EQ(ballot.targets_size(), style->targets_size());
  const MarkThresholds& thresholds = election.mark_thresholds();
  for (int i = 0; i < style->targets_size(); ++i) {
    const cv::Rect interior =
        TargetInterior(style->targets(i).area(), static_cast<int>(spec.dpi()), page.size());
    ASSERT_GT(interior.area(), 0);
    double sum = 0;
    for (int y = interior.y; y < interior.y + interior.height; ++y) {
      for (int x = interior.x; x < interior.x + interior.width; ++x) {
        sum += std::clamp((paper - page.at<unsigned char>(y, x)) / (paper - ink), 0.0, 1.0);
      }
    }
    const double score = sum / interior.area();
    const MarkClass measured = score >= thresholds.definite()   ? MARKED
                               : score >= thresholds.marginal() ? MARGINAL
                                                                : EMPTY;
    const auto& allowed = ballot.targets(i).allowed();
    EXPECT_TRUE(std::find(allowed.begin(), allowed.end(), measured) != allowed.end())
        << ballot.image() << " " << ballot.targets(i).option_id() << ": score " << score
        << " reads " << MarkClass_Name(measured);
  }
}

TEST(CommittedDecksTest, ManifestsAreUpToDate) {
  const std::vector<std::string> names = DeckNames("");
  ASSERT_GE(names.size(), 7u);
  for (const std::string& name : names) {
    absl::StatusOr<DeckManifest> deck = GenerateDeck(name, kRoot);
    ASSERT_TRUE(deck.ok()) << deck.status();
    absl::StatusOr<std::string> json = ManifestToJson(*deck);
    ASSERT_TRUE(json.ok());
    EXPECT_EQ(*json, ReadFile(DeckDir(name) / "manifest.json"))
        << "fixtures/decks/" << name
        << "/manifest.json is stale: regenerate it as fixtures/README.md says";
  }
}

// Re-renders every committed image of the clean and edge decks and compares bytes; on the way,
// checks that the targets of the accepted ones score as their expectations say.
TEST(CommittedDecksTest, ImagesAreUpToDateAndScoreAsExpected) {
  std::vector<std::string> names = DeckNames("clean");
  names.push_back("edge");
  std::map<std::string, Election> elections;
  int images = 0;
  for (const std::string& name : names) {
    absl::StatusOr<DeckManifest> manifest =
        LoadManifest((DeckDir(name) / "manifest.json").string());
    ASSERT_TRUE(manifest.ok()) << manifest.status();
    std::set<std::string> listed;
    for (const DeckBallot& ballot : manifest->ballots()) {
      listed.insert(ballot.image());
      auto it = elections.find(ballot.render().election());
      if (it == elections.end()) {
        absl::StatusOr<Election> e = LoadElectionFile(RepoPath(kRoot, ballot.render().election()));
        ASSERT_TRUE(e.ok()) << e.status();
        it = elections.emplace(ballot.render().election(), *e).first;
      }
      absl::StatusOr<cv::Mat> page = RenderFromSpec(ballot.render(), it->second);
      ASSERT_TRUE(page.ok()) << ballot.image() << ": " << page.status();
      absl::StatusOr<std::vector<std::uint8_t>> png = EncodePng(*page);
      ASSERT_TRUE(png.ok());
      const std::string committed = ReadFile(DeckDir(name) / ballot.image());
      EXPECT_TRUE(
          committed.size() == png->size() &&
          std::equal(png->begin(), png->end(), committed.begin(),
                     [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); }))
          << name << "/" << ballot.image() << " differs from its re-rendering";
      if (ballot.expect_accepted()) ExpectScoresFitAllowedClasses(ballot, *page, it->second);
      ++images;
    }
    // No image left over from an older version of the deck.
    for (const auto& entry : std::filesystem::directory_iterator(DeckDir(name))) {
      if (entry.path().extension() == ".png") {
        EXPECT_TRUE(listed.contains(entry.path().filename().string()))
            << name << "/" << entry.path().filename().string() << " is not in the manifest";
      }
    }
  }
  EXPECT_GT(images, 60);
}

// The ballots of the degraded party-list deck whose damage leaves the sheet in place: their
// targets still score as expected (blur, noise, dust, fold, streak, low contrast, JPEG).
TEST(CommittedDecksTest, DamageInPlaceKeepsTheExpectedScores) {
  absl::StatusOr<DeckManifest> manifest =
      LoadManifest((DeckDir("degraded-party-list") / "manifest.json").string());
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  const Election election = Load("party-list-2021");
  int checked = 0;
  for (const DeckBallot& ballot : manifest->ballots()) {
    const DegradeSpec& d = ballot.render().degrade();
    if (d.rotation_deg() != 0 || d.scale() != 0 || d.shift_x_mm() != 0 || d.shift_y_mm() != 0 ||
        !ballot.expect_accepted()) {
      continue;
    }
    absl::StatusOr<cv::Mat> page = RenderFromSpec(ballot.render(), election);
    ASSERT_TRUE(page.ok()) << ballot.image() << ": " << page.status();
    ExpectScoresFitAllowedClasses(ballot, *page, election);
    ++checked;
  }
  EXPECT_GE(checked, 8);
}

// What the clean decks promise: every option of every fixture election marked in some accepted
// ballot, and in every deck an overvote and a blank ballot.
TEST(CommittedDecksTest, CleanDecksMarkEveryOptionAndHoldOvervotesAndBlanks) {
  std::map<std::string, std::set<std::string>> marked;  // election path -> contest:option
  for (const std::string& name : DeckNames("clean")) {
    absl::StatusOr<DeckManifest> deck = GenerateDeck(name, kRoot);
    ASSERT_TRUE(deck.ok()) << deck.status();
    bool overvote = false, blank = false;
    for (const DeckBallot& b : deck->ballots()) {
      EXPECT_TRUE(b.expect_accepted()) << b.image();
      EXPECT_EQ(b.render().dpi(), 200u);
      EXPECT_FALSE(b.render().has_degrade()) << b.image();
      for (const ExpectedTarget& t : b.targets()) {
        if (t.allowed_size() == 1 && t.allowed(0) == MARKED) {
          marked[deck->election()].insert(t.contest_id() + ":" + t.option_id());
        }
      }
      for (const ExpectedContest& c : b.contests()) {
        overvote |= c.allowed_size() == 1 && c.allowed(0) == OVERVOTE;
        blank |= c.allowed_size() == 1 && c.allowed(0) == BLANK;
      }
    }
    EXPECT_TRUE(overvote) << name;
    EXPECT_TRUE(blank) << name;
  }
  for (const char* name :
       {"party-list-2021", "single-mandate-2021", "presidential-2021", "referendum-2021"}) {
    const Election election = Load(name);
    const std::string path = std::string("fixtures/elections/") + name + ".json";
    for (const Contest& contest : election.contests()) {
      for (const Option& option : contest.options()) {
        EXPECT_TRUE(marked[path].contains(contest.id() + ":" + option.id()))
            << name << " " << contest.id() << ":" << option.id();
      }
    }
  }
}

}  // namespace
}  // namespace esep::render
