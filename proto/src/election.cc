#include "esep/proto/election.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "esep/proto/deterministic.h"
#include "esep/proto/sha256.h"

namespace esep {
namespace {

constexpr double kMaxPageMm = 1000.0;
// Protocol line L1 of one precinct: far above any real precinct, far below where sums of lines
// could overflow.
constexpr std::uint32_t kMaxRegisteredVoters = 1'000'000;

// Collects validation problems with the path of the element each one is about.
class Problems {
 public:
  void Add(std::string problem) { problems_.push_back(std::move(problem)); }
  absl::Status ToStatus() const {
    if (problems_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("invalid election definition:\n  ", absl::StrJoin(problems_, "\n  ")));
  }

 private:
  std::vector<std::string> problems_;
};

bool IsValidDate(std::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (date[i] < '0' || date[i] > '9') return false;
  }
  auto number = [&](std::size_t pos, std::size_t len) {
    int value = 0;
    for (std::size_t i = pos; i < pos + len; ++i) value = value * 10 + (date[i] - '0');
    return value;
  };
  const int year = number(0, 4), month = number(5, 2), day = number(8, 2);
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day > kDays[month - 1]) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return !(month == 2 && day == 29 && !leap);
}

bool HasName(const LocalizedText& text) { return !text.ky().empty() || !text.ru().empty(); }

std::string DescribeRect(const Rect& r) {
  return absl::StrFormat("(x %.2f, y %.2f, %.2f x %.2f mm)", r.x_mm(), r.y_mm(), r.width_mm(),
                         r.height_mm());
}

bool IsFinite(const Rect& r) {
  return std::isfinite(r.x_mm()) && std::isfinite(r.y_mm()) && std::isfinite(r.width_mm()) &&
         std::isfinite(r.height_mm());
}

// Checks a rectangle has positive size and lies on the page; reports under `path`.
void CheckRectOnPage(const Rect& r, const BallotStyle& style, const std::string& path,
                     Problems& problems) {
  if (!IsFinite(r) || r.width_mm() <= 0 || r.height_mm() <= 0) {
    problems.Add(absl::StrCat(path, ": rectangle ", DescribeRect(r), " has no area"));
    return;
  }
  if (r.x_mm() < 0 || r.y_mm() < 0 || r.x_mm() + r.width_mm() > style.page_width_mm() ||
      r.y_mm() + r.height_mm() > style.page_height_mm()) {
    problems.Add(absl::StrFormat("%s: rectangle %s is off the %.1f x %.1f mm page", path,
                                 DescribeRect(r), style.page_width_mm(), style.page_height_mm()));
  }
}

bool Overlap(const Rect& a, const Rect& b) {
  return a.x_mm() < b.x_mm() + b.width_mm() && b.x_mm() < a.x_mm() + a.width_mm() &&
         a.y_mm() < b.y_mm() + b.height_mm() && b.y_mm() < a.y_mm() + a.height_mm();
}

Rect FiducialRect(const Fiducial& f) {
  Rect r;
  r.set_x_mm(f.center().x_mm() - f.size_mm() / 2);
  r.set_y_mm(f.center().y_mm() - f.size_mm() / 2);
  r.set_width_mm(f.size_mm());
  r.set_height_mm(f.size_mm());
  return r;
}

void CheckId(std::string_view id, const std::string& path, Problems& problems) {
  if (!IsValidId(id)) {
    problems.Add(absl::StrCat(path, ": id \"", std::string(id),
                              "\" must be 1 to 32 characters of A-Z, a-z, 0-9, '.', '_', '-'"));
  }
}

void ValidateContests(const Election& election, Problems& problems) {
  if (election.contests().empty()) problems.Add("contests: the election has no contest");
  std::set<std::string> contest_ids;
  for (int c = 0; c < election.contests_size(); ++c) {
    const Contest& contest = election.contests(c);
    const std::string path = absl::StrCat("contests[", c, "] \"", contest.id(), "\"");
    CheckId(contest.id(), path, problems);
    if (!contest_ids.insert(contest.id()).second) {
      problems.Add(absl::StrCat(path, ": duplicate contest id"));
    }
    if (contest.kind() == CONTEST_KIND_UNSPECIFIED) {
      problems.Add(absl::StrCat(path,
                                ": kind is missing (PARTY_LIST, CANDIDATE or "
                                "REFERENDUM_QUESTION)"));
    }
    if (!HasName(contest.title())) problems.Add(absl::StrCat(path, ": title is empty"));
    if (contest.options_size() < 2) {
      problems.Add(absl::StrCat(path, ": a contest needs at least two options"));
    }
    int exclusive = 0;
    std::set<std::string> option_ids;
    for (int o = 0; o < contest.options_size(); ++o) {
      const Option& option = contest.options(o);
      const std::string opath = absl::StrCat(path, ".options[", o, "] \"", option.id(), "\"");
      CheckId(option.id(), opath, problems);
      if (!option_ids.insert(option.id()).second) {
        problems.Add(absl::StrCat(opath, ": duplicate option id in this contest"));
      }
      if (!HasName(option.name())) problems.Add(absl::StrCat(opath, ": name is empty"));
      if (option.exclusive()) ++exclusive;
    }
    // Compared as 64-bit numbers: vote_for is a uint32 and may hold anything up to 2^32 - 1.
    const std::int64_t selectable = contest.options_size() - exclusive;
    const std::int64_t vote_for = contest.vote_for();
    if (vote_for < 1) {
      problems.Add(absl::StrCat(path, ": vote_for must be at least 1"));
    } else if (vote_for > std::max<std::int64_t>(selectable, 1)) {
      problems.Add(absl::StrCat(path, ": vote_for ", vote_for, " is larger than the ", selectable,
                                " non-exclusive options"));
    } else if (vote_for != 1 && contest.kind() == PARTY_LIST) {
      problems.Add(absl::StrCat(path, ": vote_for ", vote_for,
                                " in a party-list contest; the voter marks one list (vote_for 1)"));
    } else if (vote_for != 1 && contest.kind() == REFERENDUM_QUESTION) {
      problems.Add(absl::StrCat(path, ": vote_for ", vote_for,
                                " in a referendum question; the voter marks one answer "
                                "(vote_for 1)"));
    }
  }
}

// `precinct_ids`: the election's precinct ids, found once (a style names thousands).
void ValidateStyle(const Election& election, int s, const std::set<std::string>& precinct_ids,
                   std::set<std::string>& style_ids,
                   std::map<std::pair<std::string, std::string>, std::string>& precinct_style,
                   std::map<std::string, std::string>& contest_kind, Problems& problems) {
  const BallotStyle& style = election.ballot_styles(s);
  const std::string path = absl::StrCat("ballot_styles[", s, "] \"", style.id(), "\"");
  CheckId(style.id(), path, problems);
  if (!style_ids.insert(style.id()).second) problems.Add(path + ": duplicate style id");
  if (!(style.page_width_mm() > 0 && style.page_width_mm() <= kMaxPageMm &&
        style.page_height_mm() > 0 && style.page_height_mm() <= kMaxPageMm)) {
    problems.Add(absl::StrFormat("%s: page size %.1f x %.1f mm is not a paper size", path,
                                 style.page_width_mm(), style.page_height_mm()));
    return;  // every other geometric check depends on the page
  }
  if (election.ballot_kinds().empty()) {
    if (!style.ballot_kind().empty()) {
      problems.Add(absl::StrCat(path, ": ballot kind \"", style.ballot_kind(),
                                "\" is not declared (the election has no ballot_kinds)"));
    }
  } else if (style.ballot_kind().empty()) {
    problems.Add(path + ": ballot_kind is missing (the election declares ballot kinds)");
  } else if (FindBallotKind(election, style.ballot_kind()) == nullptr) {
    problems.Add(absl::StrCat(path, ": unknown ballot kind \"", style.ballot_kind(), "\""));
  }
  if (style.precinct_ids().empty()) problems.Add(path + ": serves no precinct");
  for (const std::string& p : style.precinct_ids()) {
    if (!precinct_ids.contains(p)) {
      problems.Add(absl::StrCat(path, ": unknown precinct \"", p, "\""));
    } else if (auto [it, inserted] =
                   precinct_style.emplace(std::pair{p, style.ballot_kind()}, style.id());
               !inserted) {
      problems.Add(absl::StrCat(
          path, ": precinct \"", p, "\" is already served by style \"", it->second, "\"",
          style.ballot_kind().empty()
              ? std::string()
              : absl::StrCat(" for ballot kind \"", style.ballot_kind(), "\"")));
    }
  }

  // Registration marks.
  std::vector<Rect> reserved;  // fiducials and barcode: no target may overlap them
  if (style.fiducials_size() < 4) {
    problems.Add(absl::StrCat(path, ": needs at least 4 fiducials, has ", style.fiducials_size()));
  }
  for (int f = 0; f < style.fiducials_size(); ++f) {
    const Fiducial& fid = style.fiducials(f);
    const std::string fpath = absl::StrCat(path, ".fiducials[", f, "]");
    if (!(fid.size_mm() >= 2.0 && fid.size_mm() <= 20.0)) {
      problems.Add(absl::StrFormat("%s: size %.2f mm is outside 2..20 mm", fpath, fid.size_mm()));
      continue;
    }
    const Rect r = FiducialRect(fid);
    CheckRectOnPage(r, style, fpath, problems);
    for (std::size_t k = 0; k < reserved.size(); ++k) {
      if (Overlap(r, reserved[k])) {
        problems.Add(absl::StrCat(fpath, ": overlaps fiducials[", k, "]"));
      }
    }
    reserved.push_back(r);
  }
  if (style.fiducials_size() >= 3) {
    // Not all on one line: some triple must span an area (in mm^2).
    double max_area = 0;
    const auto& fs = style.fiducials();
    for (int a = 0; a < fs.size(); ++a)
      for (int b = a + 1; b < fs.size(); ++b)
        for (int c = b + 1; c < fs.size(); ++c) {
          const double area = std::abs((fs[b].center().x_mm() - fs[a].center().x_mm()) *
                                           (fs[c].center().y_mm() - fs[a].center().y_mm()) -
                                       (fs[c].center().x_mm() - fs[a].center().x_mm()) *
                                           (fs[b].center().y_mm() - fs[a].center().y_mm())) /
                              2;
          max_area = std::max(max_area, area);
        }
    if (max_area < 100.0) problems.Add(path + ": fiducials lie (almost) on one line");
  }

  // Barcode.
  if (!style.has_barcode() || style.barcode().symbology() == BARCODE_SYMBOLOGY_UNSPECIFIED) {
    problems.Add(path + ": barcode symbology is missing");
  }
  if (style.has_barcode()) {
    const std::string bpath = path + ".barcode";
    CheckRectOnPage(style.barcode().area(), style, bpath, problems);
    for (int f = 0; f < style.fiducials_size(); ++f) {
      if (Overlap(style.barcode().area(), FiducialRect(style.fiducials(f)))) {
        problems.Add(absl::StrCat(bpath, ": overlaps fiducials[", f, "]"));
      }
    }
    reserved.push_back(style.barcode().area());
  } else {
    problems.Add(path + ": barcode area is missing");
  }

  // The header, where the election's title is printed; unset or all zero: none.
  const Rect& header = style.header_area();
  if (header.x_mm() != 0 || header.y_mm() != 0 || header.width_mm() != 0 ||
      header.height_mm() != 0) {
    CheckRectOnPage(header, style, path + ".header_area", problems);
  }

  // Contest titles.
  for (int c = 0; c < style.contests_size(); ++c) {
    const ContestPlacement& placement = style.contests(c);
    const std::string cpath = absl::StrCat(path, ".contests[", c, "]");
    if (FindContest(election, placement.contest_id()) == nullptr) {
      problems.Add(absl::StrCat(cpath, ": unknown contest \"", placement.contest_id(), "\""));
    }
    CheckRectOnPage(placement.title_area(), style, cpath + ".title_area", problems);
  }

  // Targets.
  std::map<std::string, std::set<std::string>> printed;  // contest -> options with a target
  for (int t = 0; t < style.targets_size(); ++t) {
    const Target& target = style.targets(t);
    const std::string tpath =
        absl::StrCat(path, ".targets[", t, "] (contest \"", target.contest_id(), "\", option \"",
                     target.option_id(), "\")");
    const Contest* contest = FindContest(election, target.contest_id());
    if (contest == nullptr) {
      problems.Add(tpath + ": unknown contest");
    } else if (FindOption(*contest, target.option_id()) == nullptr) {
      problems.Add(tpath + ": unknown option for this contest");
    } else if (!printed[target.contest_id()].insert(target.option_id()).second) {
      problems.Add(tpath + ": this option already has a target on this style");
    }
    CheckRectOnPage(target.area(), style, tpath, problems);
    if (target.area().width_mm() < 3.0 || target.area().height_mm() < 3.0) {
      problems.Add(tpath + ": a target must be at least 3 x 3 mm to be marked and read");
    }
    if (target.has_label_area() && target.label_area().width_mm() > 0) {
      CheckRectOnPage(target.label_area(), style, tpath + ".label_area", problems);
    }
    for (std::size_t k = 0; k < reserved.size(); ++k) {
      if (Overlap(target.area(), reserved[k])) {
        problems.Add(absl::StrCat(tpath, ": overlaps ",
                                  k < static_cast<std::size_t>(style.fiducials_size())
                                      ? absl::StrCat("fiducials[", k, "]")
                                      : std::string("the barcode")));
      }
    }
    for (int u = 0; u < t; ++u) {
      if (Overlap(target.area(), style.targets(u).area())) {
        problems.Add(absl::StrCat(tpath, ": overlaps targets[", u, "]"));
      }
    }
  }
  for (const auto& [contest_id, options] : printed) {
    if (auto [it, inserted] = contest_kind.emplace(contest_id, style.ballot_kind());
        !inserted && it->second != style.ballot_kind()) {
      problems.Add(absl::StrCat(path, ": contest \"", contest_id, "\" is on a ballot of kind \"",
                                style.ballot_kind(), "\" and of kind \"", it->second,
                                "\"; a contest is on ballots of one kind only"));
    }
    const Contest* contest = FindContest(election, contest_id);
    for (const Option& option : contest->options()) {
      if (!options.contains(option.id())) {
        problems.Add(absl::StrCat(path, ": contest \"", contest_id, "\" option \"", option.id(),
                                  "\" has no target"));
      }
    }
  }
}

}  // namespace

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char ch : id) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

const Contest* FindContest(const Election& election, std::string_view contest_id) {
  for (const Contest& c : election.contests()) {
    if (c.id() == contest_id) return &c;
  }
  return nullptr;
}

const Option* FindOption(const Contest& contest, std::string_view option_id) {
  for (const Option& o : contest.options()) {
    if (o.id() == option_id) return &o;
  }
  return nullptr;
}

const BallotStyle* FindBallotStyle(const Election& election, std::string_view style_id) {
  for (const BallotStyle& s : election.ballot_styles()) {
    if (s.id() == style_id) return &s;
  }
  return nullptr;
}

const Precinct* FindPrecinct(const Election& election, std::string_view precinct_id) {
  for (const Precinct& p : election.precincts()) {
    if (p.id() == precinct_id) return &p;
  }
  return nullptr;
}

absl::Status ValidateElection(const Election& election) {
  Problems problems;
  CheckId(election.id(), "id", problems);
  if (!HasName(election.title())) problems.Add("title: empty");
  if (!IsValidDate(election.date())) {
    problems.Add(absl::StrCat("date: \"", election.date(), "\" is not a YYYY-MM-DD date"));
  }
  const MarkThresholds& th = election.mark_thresholds();
  if (!(th.marginal() > 0 && th.marginal() < th.definite() && th.definite() < 1)) {
    problems.Add(absl::StrFormat(
        "mark_thresholds: need 0 < marginal < definite < 1, have marginal %g, definite %g",
        th.marginal(), th.definite()));
  }

  if (election.precincts().empty()) problems.Add("precincts: the election has no precinct");
  std::set<std::string> precinct_ids;
  for (int p = 0; p < election.precincts_size(); ++p) {
    const std::string path =
        absl::StrCat("precincts[", p, "] \"", election.precincts(p).id(), "\"");
    CheckId(election.precincts(p).id(), path, problems);
    if (!precinct_ids.insert(election.precincts(p).id()).second) {
      problems.Add(path + ": duplicate precinct id");
    }
    if (election.precincts(p).registered_voters() > kMaxRegisteredVoters) {
      problems.Add(
          absl::StrCat(path, ": registered_voters ", election.precincts(p).registered_voters(),
                       " is more than a precinct can have (at most ", kMaxRegisteredVoters, ")"));
    }
  }

  ValidateContests(election, problems);

  std::set<std::string> kind_ids;
  for (int k = 0; k < election.ballot_kinds_size(); ++k) {
    const BallotKind& kind = election.ballot_kinds(k);
    const std::string path = absl::StrCat("ballot_kinds[", k, "] \"", kind.id(), "\"");
    CheckId(kind.id(), path, problems);
    if (!kind_ids.insert(kind.id()).second) problems.Add(path + ": duplicate ballot kind id");
    if (!HasName(kind.name())) problems.Add(path + ": name is empty");
  }

  if (election.ballot_styles().empty()) problems.Add("ballot_styles: the election has no style");
  std::set<std::string> style_ids;
  std::map<std::pair<std::string, std::string>, std::string> precinct_style;
  std::map<std::string, std::string> contest_kind;
  for (int s = 0; s < election.ballot_styles_size(); ++s) {
    ValidateStyle(election, s, precinct_ids, style_ids, precinct_style, contest_kind, problems);
  }
  for (const BallotKind& kind : election.ballot_kinds()) {
    const bool printed =
        std::any_of(election.ballot_styles().begin(), election.ballot_styles().end(),
                    [&](const BallotStyle& style) { return style.ballot_kind() == kind.id(); });
    if (!printed) {
      problems.Add(absl::StrCat("ballot kind \"", kind.id(), "\" has no ballot style"));
    }
  }
  for (const Contest& contest : election.contests()) {
    if (!contest_kind.contains(contest.id())) {
      problems.Add(absl::StrCat("contest \"", contest.id(), "\" has no targets on any style"));
    }
  }
  return problems.ToStatus();
}

absl::StatusOr<Election> ParseElectionJson(std::string_view json) {
  Election election;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &election, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("election definition is not valid JSON for esep.Election: ",
                     std::string(status.message())));
  }
  if (absl::Status valid = ValidateElection(election); !valid.ok()) return valid;
  return election;
}

absl::StatusOr<Election> LoadElectionFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open election definition ", path));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  absl::StatusOr<Election> election = ParseElectionJson(buffer.str());
  if (!election.ok()) {
    return absl::Status(election.status().code(),
                        absl::StrCat(path, ": ", election.status().message()));
  }
  return election;
}

std::string ElectionHash(const Election& election) {
  const Sha256Digest digest = Sha256(DeterministicBytes(election));
  return ToHex(digest);
}

std::string ElectionHashPrefix(const Election& election) {
  return ElectionHash(election).substr(0, kElectionHashPrefixLength);
}

namespace {

// The key of ElectionIndex's ballots by kind: precinct id, a NUL, kind id.
std::string KindKey(std::string_view precinct_id, std::string_view kind_id) {
  std::string key(precinct_id);
  key.push_back('\0');
  key.append(kind_id);
  return key;
}

}  // namespace

ElectionIndex::ElectionIndex(const Election& election)
    : ElectionIndex(election, ElectionHash(election)) {}

ElectionIndex::ElectionIndex(const Election& election, std::string hash)
    : election_(election), hash_(std::move(hash)) {
  for (const Precinct& p : election.precincts()) precincts_.emplace(p.id(), &p);
  for (const Contest& c : election.contests()) contests_.emplace(c.id(), &c);
  // Each style adds its contests to the ballots of its precincts, as ContestsOnBallot() has it.
  for (const BallotStyle& style : election.ballot_styles()) {
    std::vector<const Contest*> contests;
    for (const Target& target : style.targets()) {
      const Contest* contest = FindContest(target.contest_id());
      if (contest != nullptr &&
          std::find(contests.begin(), contests.end(), contest) == contests.end()) {
        contests.push_back(contest);
      }
    }
    for (const std::string& id : style.precinct_ids()) {
      std::vector<const Contest*>& all = ballots_[id];
      for (const Contest* contest : contests) {
        if (std::find(all.begin(), all.end(), contest) == all.end()) all.push_back(contest);
      }
      ballots_by_kind_.emplace(KindKey(id, style.ballot_kind()), contests);
    }
  }
}

const Precinct* ElectionIndex::FindPrecinct(std::string_view precinct_id) const {
  const auto it = precincts_.find(precinct_id);
  return it == precincts_.end() ? nullptr : it->second;
}

const Contest* ElectionIndex::FindContest(std::string_view contest_id) const {
  const auto it = contests_.find(contest_id);
  return it == contests_.end() ? nullptr : it->second;
}

const std::vector<const Contest*>& ElectionIndex::ContestsOnBallot(
    std::string_view precinct_id) const {
  static const std::vector<const Contest*> kNone;
  const auto it = ballots_.find(precinct_id);
  return it == ballots_.end() ? kNone : it->second;
}

const std::vector<const Contest*>& ElectionIndex::ContestsOnBallot(std::string_view precinct_id,
                                                                   std::string_view kind_id) const {
  static const std::vector<const Contest*> kNone;
  const auto it = ballots_by_kind_.find(KindKey(precinct_id, kind_id));
  return it == ballots_by_kind_.end() ? kNone : it->second;
}

const BallotKind* FindBallotKind(const Election& election, std::string_view kind_id) {
  for (const BallotKind& k : election.ballot_kinds()) {
    if (k.id() == kind_id) return &k;
  }
  return nullptr;
}

std::vector<std::string> BallotKindIds(const Election& election) {
  std::vector<std::string> ids;
  for (const BallotKind& k : election.ballot_kinds()) ids.push_back(k.id());
  if (ids.empty()) ids.emplace_back();
  return ids;
}

std::vector<const BallotStyle*> StylesOfPrecinct(const Election& election,
                                                 std::string_view precinct_id) {
  std::vector<const BallotStyle*> styles;
  for (const BallotStyle& style : election.ballot_styles()) {
    if (std::find(style.precinct_ids().begin(), style.precinct_ids().end(), precinct_id) !=
        style.precinct_ids().end()) {
      styles.push_back(&style);
    }
  }
  return styles;
}

namespace {

void AddContestsOfStyle(const Election& election, const BallotStyle& style,
                        std::vector<const Contest*>& contests) {
  for (const Target& target : style.targets()) {
    const Contest* contest = FindContest(election, target.contest_id());
    if (contest != nullptr &&
        std::find(contests.begin(), contests.end(), contest) == contests.end()) {
      contests.push_back(contest);
    }
  }
}

}  // namespace

std::vector<const Contest*> ContestsOnBallot(const Election& election,
                                             std::string_view precinct_id) {
  std::vector<const Contest*> contests;
  for (const BallotStyle* style : StylesOfPrecinct(election, precinct_id)) {
    AddContestsOfStyle(election, *style, contests);
  }
  return contests;
}

std::vector<const Contest*> ContestsOnBallot(const Election& election, std::string_view precinct_id,
                                             std::string_view kind_id) {
  std::vector<const Contest*> contests;
  for (const BallotStyle* style : StylesOfPrecinct(election, precinct_id)) {
    if (style->ballot_kind() != kind_id) continue;
    AddContestsOfStyle(election, *style, contests);
    break;
  }
  return contests;
}

}  // namespace esep
