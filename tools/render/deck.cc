#include "esep/render/deck.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "esep/proto/election.h"
#include "esep/render/marks.h"
#include "esep/render/render.h"
#include "esep/render/spec.h"

namespace esep::render {
namespace {

constexpr int kMaxLightMarksPerContest = 10;  // 2^10 readings to enumerate at most

DeckBallot Rejected(const RenderSpec& spec, RejectionReason reason) {
  DeckBallot ballot;
  *ballot.mutable_render() = spec;
  ballot.set_expect_accepted(false);
  ballot.set_expect_reason(reason);
  ballot.set_expect_returned(true);
  return ballot;
}

ContestOutcome OutcomeOf(const Contest& contest, const std::vector<const Option*>& selected) {
  const std::size_t n = selected.size();
  if (n == 0) return BLANK;
  if (n > 1 && std::any_of(selected.begin(), selected.end(),
                           [](const Option* o) { return o->exclusive(); })) {
    return OVERVOTE;
  }
  if (n > contest.vote_for()) return OVERVOTE;
  if (n < contest.vote_for()) return UNDERVOTE;
  return VALID;
}

}  // namespace

absl::StatusOr<DeckBallot> ExpectReading(const DeckSetting& setting,
                                         const Election& ballot_election, const RenderSpec& spec) {
  if (setting.election == nullptr) return absl::InvalidArgumentError("the deck has no election");
  const Election& election = *setting.election;
  if (spec.blank_page()) return Rejected(spec, NOT_A_BALLOT_PAGE);
  if (spec.no_barcode()) return Rejected(spec, NO_BARCODE);
  if (ElectionHashPrefix(ballot_election) != ElectionHashPrefix(election)) {
    return Rejected(spec, WRONG_ELECTION);
  }
  const BallotStyle* style = FindBallotStyle(election, spec.style_id());
  if (style == nullptr) return Rejected(spec, UNKNOWN_STYLE);
  if (spec.precinct_id() != setting.precinct_id) return Rejected(spec, WRONG_PRECINCT);
  if (spec.test() && !setting.test_mode) return Rejected(spec, TEST_BALLOT_WHILE_LIVE);
  if (!spec.test() && setting.test_mode) return Rejected(spec, LIVE_BALLOT_IN_TEST);

  // How each target is marked: definitely (any style but LIGHT) or only lightly.
  std::vector<bool> definite(style->targets_size(), false), light(style->targets_size(), false);
  for (const MarkSpec& mark : spec.marks()) {
    if (mark.style() < FILLED || mark.style() > PARTIAL) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown mark style ", static_cast<int>(mark.style())));
    }
    for (const std::string& name : mark.options()) {
      absl::StatusOr<int> index = ResolveMarkTarget(*style, name);
      if (!index.ok()) return index.status();
      (mark.style() == LIGHT ? light : definite)[*index] = true;
    }
  }

  // Ink that is not a vote on a target: a stamp reaching into its box (with the stamp's
  // outer line width), or a heavy fill on the back of the sheet right behind it.
  std::vector<bool> foreign(style->targets_size(), false);
  const double k = spec.dpi() / 25.4;
  for (const StampSpec& stamp : spec.stamps()) {
    const double r = stamp.diameter_mm() / 2 + 0.1;
    for (int i = 0; i < style->targets_size(); ++i) {
      const Rect& a = style->targets(i).area();
      const double dx = std::max(
          {a.x_mm() - stamp.center_x_mm(), 0.0, stamp.center_x_mm() - a.x_mm() - a.width_mm()});
      const double dy = std::max(
          {a.y_mm() - stamp.center_y_mm(), 0.0, stamp.center_y_mm() - a.y_mm() - a.height_mm()});
      if (std::hypot(dx, dy) <= r + 1.0 / k) foreign[i] = true;
    }
  }
  for (const std::string& name : spec.show_through()) {
    absl::StatusOr<int> index = ResolveMarkTarget(*style, name);
    if (!index.ok()) return index.status();
    foreign[*index] = true;
  }
  bool may_be_returned = false;
  for (int i = 0; i < style->targets_size(); ++i) {
    if (!foreign[i]) continue;
    if (definite[i] || light[i]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "target ", style->targets(i).option_id(),
          " is both marked and under a stamp or show-through: its reading is undefined"));
    }
    may_be_returned = true;
  }

  DeckBallot ballot;
  *ballot.mutable_render() = spec;
  ballot.set_expect_accepted(true);
  ballot.set_may_be_returned(may_be_returned);
  bool returned = false;
  for (int i = 0; i < style->targets_size(); ++i) {
    const Target& t = style->targets(i);
    ExpectedTarget* expected = ballot.add_targets();
    expected->set_contest_id(t.contest_id());
    expected->set_option_id(t.option_id());
    if (definite[i]) {
      expected->add_allowed(MARKED);
    } else if (light[i]) {
      expected->add_allowed(MARGINAL);
      expected->add_allowed(MARKED);
      returned = true;  // a marginal mark goes back to the voter
    } else if (foreign[i]) {
      expected->add_allowed(EMPTY);
      expected->add_allowed(MARGINAL);
    } else {
      expected->add_allowed(EMPTY);
    }
  }

  bool all_blank = true;
  for (const ContestPlacement& placement : style->contests()) {
    const Contest* contest = FindContest(election, placement.contest_id());
    if (contest == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("style places unknown contest \"", placement.contest_id(), "\""));
    }
    std::vector<const Option*> sure, maybe;
    for (int i = 0; i < style->targets_size(); ++i) {
      const Target& t = style->targets(i);
      if (t.contest_id() != contest->id()) continue;
      const Option* option = FindOption(*contest, t.option_id());
      if (option == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("target for unknown option \"", t.option_id(), "\""));
      }
      if (definite[i]) {
        sure.push_back(option);
      } else if (light[i]) {
        maybe.push_back(option);
      }
    }
    if (maybe.size() > kMaxLightMarksPerContest) {
      return absl::InvalidArgumentError("too many light marks in one contest");
    }
    std::set<ContestOutcome> outcomes;
    for (unsigned subset = 0; subset < (1u << maybe.size()); ++subset) {
      std::vector<const Option*> selected = sure;
      for (std::size_t j = 0; j < maybe.size(); ++j) {
        if (subset & (1u << j)) selected.push_back(maybe[j]);
      }
      outcomes.insert(OutcomeOf(*contest, selected));
    }
    ExpectedContest* expected = ballot.add_contests();
    expected->set_contest_id(contest->id());
    for (ContestOutcome o : outcomes) expected->add_allowed(o);
    if (outcomes.contains(VALID) || outcomes.contains(UNDERVOTE)) {
      for (const Option* o : sure) expected->add_selections(o->id());
    }
    if (outcomes.contains(OVERVOTE)) returned = true;
    if (outcomes != std::set<ContestOutcome>{BLANK}) all_blank = false;
  }
  ballot.set_expect_returned(returned || all_blank);
  return ballot;
}

absl::StatusOr<std::string> ManifestToJson(const DeckManifest& manifest) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(manifest, &json, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot write the manifest as JSON: ", std::string(status.message())));
  }
  if (json.empty() || json.back() != '\n') json.push_back('\n');
  return json;
}

absl::StatusOr<DeckManifest> ManifestFromJson(std::string_view json) {
  DeckManifest manifest;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &manifest, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a deck manifest: ", std::string(status.message())));
  }
  return manifest;
}

absl::StatusOr<DeckManifest> LoadManifest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open deck manifest ", path));
  std::ostringstream text;
  text << in.rdbuf();
  absl::StatusOr<DeckManifest> manifest = ManifestFromJson(text.str());
  if (!manifest.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", std::string(manifest.status().message())));
  }
  return manifest;
}

absl::Status WriteManifest(const DeckManifest& manifest, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  absl::StatusOr<std::string> json = ManifestToJson(manifest);
  if (!json.ok()) return json.status();
  const std::string path = (std::filesystem::path(dir) / "manifest.json").string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << *json;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::Status BuildDeckImages(const DeckManifest& manifest, const std::string& repo_root,
                             const std::string& dir,
                             const std::function<void(std::size_t, std::size_t)>& progress) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  std::map<std::string, Election> elections;
  const std::size_t total = static_cast<std::size_t>(manifest.ballots_size());
  std::size_t done = 0;
  for (const DeckBallot& ballot : manifest.ballots()) {
    const std::string& image = ballot.image();
    if (image.empty() || image.find('/') != std::string::npos || image.front() == '.') {
      return absl::InvalidArgumentError(
          absl::StrCat("deck \"", manifest.name(), "\": bad image name \"", image, "\""));
    }
    auto it = elections.find(ballot.render().election());
    if (it == elections.end()) {
      absl::StatusOr<Election> election =
          LoadElectionFile(RepoPath(repo_root, ballot.render().election()));
      if (!election.ok()) return election.status();
      it = elections.emplace(ballot.render().election(), *std::move(election)).first;
    }
    absl::StatusOr<cv::Mat> page = RenderFromSpec(ballot.render(), it->second);
    if (!page.ok()) {
      return absl::Status(page.status().code(),
                          absl::StrCat(image, ": ", std::string(page.status().message())));
    }
    if (absl::Status s = WritePng(*page, (std::filesystem::path(dir) / image).string()); !s.ok()) {
      return s;
    }
    if (progress) progress(++done, total);
  }
  if (progress && total == 0) progress(0, 0);
  return absl::OkStatus();
}

}  // namespace esep::render
