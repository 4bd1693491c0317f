// The public results site: what a partial night publishes, and the 2021 failures (a region added
// twice, a precinct counted twice, a share above 100%) refused before anything reaches a page,
// with the previous publication left in place.
#include "esep/transport/results_site.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "esep/transport/results_format.h"
#include "esep/transport/signing.h"
#include "esep/transport/tabulation_centre.h"
#include "esep/transport/tabulation_store.h"
#include "tabulation_fixture.h"

namespace esep::transport {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDir;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every file of a generation: its bytes by relative path.
std::map<std::string, std::string> FilesOf(const fs::path& generation) {
  std::map<std::string, std::string> files;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(generation)) {
    if (e.is_regular_file()) files[fs::relative(e.path(), generation).string()] = Slurp(e.path());
  }
  return files;
}

class ResultsSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TabulationStore>> store =
        testing::OpenStoreWithTwoReaders(data_.path(), r1_, r2_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    centre_ = std::make_unique<TabulationCentre>(election_, SigningKey::Generate(), store_.get(),
                                                 [](std::string_view) {});
    absl::StatusOr<SiteOptions> options = testing::TestSiteOptions(data_.path() / "site");
    ASSERT_TRUE(options.ok()) << options.status();
    options_ = *std::move(options);
  }

  void Submit(const PrecinctProtocol& protocol) {
    const bool r1 = protocol.reader_serial() == "R1";
    absl::StatusOr<Receipt> receipt =
        centre_->Ingest(SignProtocol(protocol, r1 ? r1_ : r2_),
                        {r1 ? "cert-R1" : "cert-R2", protocol.reader_serial()});
    ASSERT_TRUE(receipt.ok()) << receipt.status();
  }

  // A partial night: 1001 counted, 1002 held for review (turnout 160%), 2001 missing.
  void PartialNight() {
    Submit(testing::ValidProtocol(election_, "1001", "R1", 1, FINAL));
    PrecinctProtocol held = testing::ValidProtocol(election_, "1002", "R2", 1, FINAL);
    held = testing::WithBallotsInBoxes(held, held.voters_on_list() * 16 / 10);
    Submit(held);
  }

  SiteModel Model() {
    absl::StatusOr<SiteModel> model = BuildSiteModel(election_, *store_, 1700000000);
    EXPECT_TRUE(model.ok()) << model.status();
    return model.ok() ? *model : SiteModel();
  }

  fs::path Current() { return fs::read_symlink(options_.root / "current"); }

  ScratchDir data_;
  Election election_ = testing::PartyListElection();
  SigningKey r1_ = SigningKey::Generate();
  SigningKey r2_ = SigningKey::Generate();
  std::unique_ptr<TabulationStore> store_;
  std::unique_ptr<TabulationCentre> centre_;
  SiteOptions options_;
};

TEST_F(ResultsSiteTest, PublishesAPartialNightWithHeldAndMissingPrecincts) {
  PartialNight();
  absl::StatusOr<fs::path> generation =
      PublishSite(election_, *store_, centre_->signer(), options_);
  ASSERT_TRUE(generation.ok()) << generation.status();
  EXPECT_EQ(Current(), generation->filename());
  EXPECT_TRUE(VerifySiteGeneration(*generation, centre_->public_key()).ok());

  const SiteModel model = Model();
  ASSERT_EQ(model.results.precincts.size(), 1u);
  EXPECT_EQ(model.results.national.ballots_in_boxes, model.results.precincts[0].ballots_in_boxes);

  const std::string country = Slurp(*generation / "en" / "index.html");
  EXPECT_NE(country.find("<dd class=\"counted\">1 / 3</dd>"), std::string::npos) << country;
  const std::string missing = Slurp(*generation / "en" / "missing.html");
  EXPECT_NE(missing.find("data-precinct=\"1002\""), std::string::npos);
  EXPECT_NE(missing.find("data-precinct=\"2001\""), std::string::npos);
  EXPECT_EQ(missing.find("data-precinct=\"1001\""), std::string::npos);
  const std::string held = Slurp(*generation / "en" / "precinct-1002.html");
  EXPECT_NE(held.find("under review, not counted"), std::string::npos);
  EXPECT_NE(held.find("<tr class=\"broken\"><td>L6 + L7 &lt;= L1</td>"), std::string::npos)
      << "the broken relation is shown with the protocol's numbers";
  EXPECT_EQ(held.find("160.00%"), std::string::npos) << "never a turnout above 100%";
  const std::string region = Slurp(*generation / "ru" / "region-1.html");
  EXPECT_NE(region.find("<dd class=\"counted\">1 / 2</dd>"), std::string::npos);
  EXPECT_TRUE(fs::exists(*generation / "protocols" / "1002-r1.pb"));
  EXPECT_TRUE(fs::exists(*generation / "verify" / "text.json"));
  EXPECT_NE(Slurp(*generation / "keys.json").find("\"1001\""), std::string::npos);
}

TEST_F(ResultsSiteTest, ATamperedFileNoLongerMatchesTheSignedManifest) {
  PartialNight();
  absl::StatusOr<fs::path> generation =
      PublishSite(election_, *store_, centre_->signer(), options_);
  ASSERT_TRUE(generation.ok()) << generation.status();
  std::ofstream(*generation / "en" / "index.html", std::ios::app) << "<p>99.99%</p>";
  const absl::Status s = VerifySiteGeneration(*generation, centre_->public_key());
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_EQ(VerifySiteGeneration(*generation, r1_.public_key()).code(),
            absl::StatusCode::kDataLoss);
}

// Each 2021 failure is refused as a whole and the site of the previous publication stays.
TEST_F(ResultsSiteTest, RefusesTheFailuresOf2021AndKeepsThePreviousSite) {
  PartialNight();
  absl::StatusOr<fs::path> first = PublishSite(election_, *store_, centre_->signer(), options_);
  ASSERT_TRUE(first.ok()) << first.status();
  const SiteModel good = Model();

  SiteModel region_twice = good;
  region_twice.regions.push_back(region_twice.regions.front());
  SiteModel region_added_twice = good;  // the display's sum double-adds a region
  region_added_twice.results.national.voters_on_list += good.regions.front().voters_on_list;
  region_added_twice.results.national.ballots_in_boxes += good.regions.front().ballots_in_boxes;
  SiteModel precinct_twice = good;
  precinct_twice.results.precincts.push_back(good.results.precincts.front());
  ++precinct_twice.results.precincts_counted;
  SiteModel share_above_100 = good;
  share_above_100.results.national.contests.front().options.front().share = kFullShare + 1;
  SiteModel held_counted = good;  // the held precinct's numbers slipped into a region
  held_counted.results.precincts.push_back(good.results.precincts.front());
  held_counted.results.precincts.back().id = "1002";
  ++held_counted.results.precincts_counted;
  SiteModel region_turnout = good;
  region_turnout.regions.front().ballots_in_boxes =
      region_turnout.regions.front().voters_on_list + 1;

  for (const auto& [name, model] :
       std::vector<std::pair<std::string, SiteModel>>{{"region twice", region_twice},
                                                      {"region added twice", region_added_twice},
                                                      {"precinct twice", precinct_twice},
                                                      {"share above 100%", share_above_100},
                                                      {"held precinct counted", held_counted},
                                                      {"region turnout", region_turnout}}) {
    absl::StatusOr<fs::path> refused = WriteSite(election_, model, centre_->signer(), options_);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInternal) << name;
    EXPECT_NE(refused.status().message().find("not published"), std::string::npos) << name;
    EXPECT_EQ(Current(), first->filename()) << name;
  }
  EXPECT_TRUE(VerifySiteGeneration(options_.root / "current", centre_->public_key()).ok());
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(options_.root)) {
    entries.push_back(e.path().filename().string());
  }
  EXPECT_EQ(entries.size(), 2u) << "current and one generation, no half-written one";
}

TEST_F(ResultsSiteTest, KeepsTheLastGenerations) {
  PartialNight();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(PublishSite(election_, *store_, centre_->signer(), options_).ok());
  }
  int generations = 0;
  for (const auto& e : fs::directory_iterator(options_.root)) {
    generations += e.path().filename().string().starts_with("gen-") ? 1 : 0;
  }
  EXPECT_EQ(generations, options_.keep_generations);
  EXPECT_EQ(Current(), "gen-000005");
}

TEST_F(ResultsSiteTest, ACorrectionReleasesAHeldPrecinct) {
  PartialNight();
  Submit(testing::ValidProtocol(election_, "1002", "R2", 2, CORRECTION));
  absl::StatusOr<fs::path> generation =
      PublishSite(election_, *store_, centre_->signer(), options_);
  ASSERT_TRUE(generation.ok()) << generation.status();
  const std::string country = Slurp(*generation / "en" / "index.html");
  EXPECT_NE(country.find("<dd class=\"counted\">2 / 3</dd>"), std::string::npos);
  const std::string page = Slurp(*generation / "en" / "precinct-1002.html");
  EXPECT_NE(page.find("class=\"state counted\""), std::string::npos);
  EXPECT_NE(page.find("1002-r1.pb"), std::string::npos) << "the held revision stays in the history";
}

TEST_F(ResultsSiteTest, ModelKeptBetweenPublicationsEqualsOneBuiltFromTheStore) {
  ResultsAggregator aggregator(election_);
  std::int64_t counted_through = 0;
  auto same_as_from_scratch = [&](const std::string& when) {
    absl::StatusOr<SiteModel> kept =
        BuildSiteModel(election_, *store_, 1700000000, aggregator, counted_through);
    ASSERT_TRUE(kept.ok()) << kept.status();
    const SiteModel fresh = Model();
    EXPECT_EQ(*FormatResultsJson(kept->results), *FormatResultsJson(fresh.results)) << when;
    ASSERT_EQ(kept->regions.size(), fresh.regions.size()) << when;
    for (std::size_t r = 0; r < kept->regions.size(); ++r) {
      EXPECT_EQ(kept->regions[r].voters_on_list, fresh.regions[r].voters_on_list) << when;
      EXPECT_EQ(kept->regions[r].ballots_in_boxes, fresh.regions[r].ballots_in_boxes) << when;
    }
    EXPECT_EQ(kept->history.size(), fresh.history.size()) << when;
    EXPECT_TRUE(CheckSiteModel(election_, *kept).ok()) << when;
  };
  same_as_from_scratch("before any protocol");
  PartialNight();
  same_as_from_scratch("1001 counted, 1002 held");
  EXPECT_EQ(counted_through, 2);
  Submit(testing::ValidProtocol(election_, "1002", "R2", 2, CORRECTION));
  same_as_from_scratch("1002 corrected");
  Submit(testing::ValidProtocol(election_, "1001", "R1", 2, CORRECTION));
  same_as_from_scratch("1001 corrected");
  EXPECT_EQ(counted_through, 4);
  EXPECT_EQ(aggregator.precincts_counted(), 2u);
}

// A publisher's generation links the files of the precincts with nothing new from the one before
// and is, file for file, the generation written whole from the store at the same moment.
TEST_F(ResultsSiteTest, UnchangedPrecinctsAreLinkedAndTheSiteIsTheSameAsOneWrittenWhole) {
  ResultsAggregator aggregator(election_);
  std::int64_t counted_through = 0;
  SiteCarryOver carry;
  absl::StatusOr<SiteOptions> whole_options = testing::TestSiteOptions(data_.path() / "whole");
  ASSERT_TRUE(whole_options.ok()) << whole_options.status();
  auto publish = [&](std::int64_t now) -> fs::path {
    absl::StatusOr<SiteModel> kept = BuildSiteModel(election_, *store_, now, aggregator,
                                                    counted_through, &carry.changed_precincts);
    EXPECT_TRUE(kept.ok()) << kept.status();
    absl::StatusOr<fs::path> linked =
        WriteSite(election_, *kept, centre_->signer(), options_, &carry);
    EXPECT_TRUE(linked.ok()) << linked.status();
    absl::StatusOr<SiteModel> fresh = BuildSiteModel(election_, *store_, now);
    EXPECT_TRUE(fresh.ok()) << fresh.status();
    absl::StatusOr<fs::path> whole =
        WriteSite(election_, *fresh, centre_->signer(), *whole_options);
    EXPECT_TRUE(whole.ok()) << whole.status();
    if (!linked.ok() || !whole.ok()) return {};
    EXPECT_EQ(FilesOf(*linked), FilesOf(*whole)) << "at " << now;
    EXPECT_TRUE(VerifySiteGeneration(*linked, centre_->public_key()).ok());
    EXPECT_EQ(carry.generation, *linked);
    EXPECT_TRUE(carry.changed_precincts.empty());
    return *linked;
  };
  PartialNight();
  const fs::path first = publish(1700000000);
  ASSERT_FALSE(first.empty());

  Submit(testing::ValidProtocol(election_, "1002", "R2", 2, CORRECTION));
  const fs::path second = publish(1700000600);
  ASSERT_FALSE(second.empty());
  for (const char* lang : {"ky", "ru", "en"}) {
    const fs::path page = fs::path(lang) / "precinct-1001.html";
    EXPECT_TRUE(fs::equivalent(first / page, second / page)) << page;
    EXPECT_FALSE(
        fs::equivalent(first / lang / "precinct-1002.html", second / lang / "precinct-1002.html"))
        << "1002 was corrected: written again";
    EXPECT_FALSE(fs::equivalent(first / lang / "index.html", second / lang / "index.html"));
    EXPECT_EQ(Slurp(second / page).find("Published"), std::string::npos) << page;
  }
  EXPECT_NE(Slurp(second / "en" / "index.html").find("Published"), std::string::npos);
  EXPECT_TRUE(fs::equivalent(first / "data" / "2001.json", second / "data" / "2001.json"));
  EXPECT_TRUE(
      fs::equivalent(first / "protocols" / "1001-r1.pb", second / "protocols" / "1001-r1.pb"));
  EXPECT_NE(Slurp(second / "en" / "precinct-1002.html").find("class=\"state counted\""),
            std::string::npos);

  // A publication refused after its protocols were counted: the next one still writes the
  // precinct again, though nothing was stored in between.
  Submit(testing::ValidProtocol(election_, "1001", "R1", 2, CORRECTION));
  absl::StatusOr<SiteModel> kept = BuildSiteModel(election_, *store_, 1700000900, aggregator,
                                                  counted_through, &carry.changed_precincts);
  ASSERT_TRUE(kept.ok()) << kept.status();
  SiteOptions no_text = options_;
  no_text.text = nullptr;
  EXPECT_FALSE(WriteSite(election_, *kept, centre_->signer(), no_text, &carry).ok());
  EXPECT_EQ(carry.generation, second);
  EXPECT_TRUE(carry.changed_precincts.contains("1001"));
  const fs::path third = publish(1700001200);
  ASSERT_FALSE(third.empty());
  EXPECT_FALSE(
      fs::equivalent(second / "en" / "precinct-1001.html", third / "en" / "precinct-1001.html"));
  EXPECT_TRUE(fs::exists(third / "protocols" / "1001-r2.pb"));

  // The generation to link from is gone: every file is written again, the same bytes.
  fs::remove_all(third);
  const fs::path fourth = publish(1700001800);
  ASSERT_FALSE(fourth.empty());
  EXPECT_EQ(fs::hard_link_count(fourth / "en" / "precinct-2001.html"), 1u);
}

}  // namespace
}  // namespace esep::transport
