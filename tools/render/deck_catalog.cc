// The fixture decks of fixtures/decks/: which ballots each holds and how each is made. Manifests
// are regenerated from here (esep deck generate) and tests check that the committed ones match.
#include <functional>
#include <map>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "esep/proto/election.h"
#include "esep/render/deck.h"
#include "esep/render/degrade.h"
#include "esep/render/random.h"
#include "esep/render/spec.h"

namespace esep::render {
namespace {

constexpr char kElectionDir[] = "fixtures/elections/";
constexpr int kDeckDpi = 200;

std::string StyleName(MarkStyle style) { return absl::AsciiStrToLower(MarkStyle_Name(style)); }

MarkSpec Mark(MarkStyle style, const std::vector<std::string>& options) {
  MarkSpec mark;
  mark.set_style(style);
  for (const std::string& o : options) mark.add_options(o);
  return mark;
}

std::string DegradeSummary(const DegradeSpec& d) {
  std::vector<std::string> parts;
  if (d.rotation_deg() != 0) parts.push_back(absl::StrFormat("skew %.2f deg", d.rotation_deg()));
  if (d.upside_down()) parts.push_back("upside down");
  if (d.scale() != 0) parts.push_back(absl::StrFormat("scale %.2f", d.scale()));
  if (d.shift_x_mm() != 0 || d.shift_y_mm() != 0) {
    parts.push_back(absl::StrFormat("shift %.2f, %.2f mm", d.shift_x_mm(), d.shift_y_mm()));
  }
  if (d.blur_sigma_px() != 0) parts.push_back(absl::StrFormat("blur %.2f px", d.blur_sigma_px()));
  if (d.noise_sigma() != 0) parts.push_back(absl::StrFormat("noise %.2f", d.noise_sigma()));
  if (d.dust_specks() != 0) parts.push_back(absl::StrCat(d.dust_specks(), " dust specks"));
  if (d.fold()) parts.push_back("fold");
  if (d.streak()) parts.push_back("sensor streak");
  if (d.contrast() != 0) parts.push_back(absl::StrFormat("contrast %.2f", d.contrast()));
  if (d.jpeg_quality() != 0) parts.push_back(absl::StrCat("JPEG quality ", d.jpeg_quality()));
  return parts.empty() ? "no damage" : absl::StrJoin(parts, ", ");
}

// Collects the ballots of one deck: the reader's setting, each ballot's spec and image name, and
// its expected reading.
class DeckMaker {
 public:
  static absl::StatusOr<std::unique_ptr<DeckMaker>> Create(std::string_view name,
                                                           std::string_view description,
                                                           const std::string& election_short,
                                                           const std::string& precinct_id,
                                                           const std::string& repo_root) {
    auto maker = std::unique_ptr<DeckMaker>(new DeckMaker());
    maker->repo_root_ = repo_root;
    maker->short_name_ = election_short;
    maker->manifest_.set_name(std::string(name));
    maker->manifest_.set_description(std::string(description));
    maker->manifest_.set_election(ElectionPath(election_short));
    maker->manifest_.set_precinct_id(precinct_id);
    absl::StatusOr<const Election*> election = maker->Load(election_short);
    if (!election.ok()) return election.status();
    maker->election_ = *election;
    for (const BallotStyle& style : maker->election_->ballot_styles()) {
      for (const std::string& p : style.precinct_ids()) {
        if (p == precinct_id && maker->style_ == nullptr) maker->style_ = &style;
      }
    }
    if (maker->style_ == nullptr) {
      return absl::NotFoundError(absl::StrCat("no ballot style of ", election_short,
                                              " is issued at precinct ", precinct_id));
    }
    return maker;
  }

  static std::string ElectionPath(const std::string& short_name) {
    return absl::StrCat(kElectionDir, short_name, "-2021.json");
  }

  // Loads (once) a fixture election by its short name ("party-list").
  absl::StatusOr<const Election*> Load(const std::string& short_name) {
    auto it = elections_.find(short_name);
    if (it == elections_.end()) {
      absl::StatusOr<Election> election =
          LoadElectionFile(RepoPath(repo_root_, ElectionPath(short_name)));
      if (!election.ok()) return election.status();
      it = elections_.emplace(short_name, std::make_unique<Election>(*std::move(election))).first;
    }
    return it->second.get();
  }

  const BallotStyle& style() const { return *style_; }

  // A ballot of the deck's own style and precinct, unmarked and undamaged.
  RenderSpec Spec(std::uint64_t seed) const {
    RenderSpec spec;
    spec.set_election(manifest_.election());
    spec.set_style_id(style_->id());
    spec.set_precinct_id(manifest_.precinct_id());
    spec.set_dpi(kDeckDpi);
    spec.set_seed(seed);
    return spec;
  }

  // Adds a ballot printed from the fixture election `ballot_election` (default: the deck's).
  absl::Status Add(std::string_view slug, std::string_view description, const RenderSpec& spec,
                   const std::string& ballot_election = "") {
    const std::string short_name = ballot_election.empty() ? short_name_ : ballot_election;
    absl::StatusOr<const Election*> printed = Load(short_name);
    if (!printed.ok()) return printed.status();
    DeckSetting setting;
    setting.election = election_;
    setting.precinct_id = manifest_.precinct_id();
    setting.test_mode = manifest_.test_mode();
    absl::StatusOr<DeckBallot> ballot = ExpectReading(setting, **printed, spec);
    if (!ballot.ok()) return ballot.status();
    ballot->set_image(absl::StrFormat("%04d-%s-%s.png", manifest_.ballots_size() + 1, short_name,
                                      std::string(slug)));
    ballot->set_description(std::string(description));
    *manifest_.add_ballots() = *std::move(ballot);
    return absl::OkStatus();
  }

  DeckManifest Take() { return std::move(manifest_); }

 private:
  DeckMaker() = default;

  std::string repo_root_;
  std::string short_name_;
  DeckManifest manifest_;
  std::map<std::string, std::unique_ptr<Election>> elections_;
  const Election* election_ = nullptr;
  const BallotStyle* style_ = nullptr;
};

// Targets of `style` grouped by contest, in ballot order.
std::vector<std::vector<const Target*>> TargetsByContest(const BallotStyle& style) {
  std::vector<std::vector<const Target*>> groups;
  for (const ContestPlacement& placement : style.contests()) {
    groups.emplace_back();
    for (const Target& t : style.targets()) {
      if (t.contest_id() == placement.contest_id()) groups.back().push_back(&t);
    }
  }
  return groups;
}

std::string Name(const Target& t) { return absl::StrCat(t.contest_id(), ":", t.option_id()); }

// Every option marked once with the clear styles in turn, then an overvote, an exclusive option
// with another, and a blank ballot for every contest of the style.
absl::Status MakeClean(DeckMaker& d, const Election& election, std::uint64_t seed) {
  const MarkStyle kStyles[] = {FILLED, CHECK, CROSS, LINE, PARTIAL};
  const BallotStyle& style = d.style();
  for (int i = 0; i < style.targets_size(); ++i) {
    const Target& t = style.targets(i);
    const MarkStyle mark = kStyles[i % 5];
    RenderSpec spec = d.Spec(seed++);
    *spec.add_marks() = Mark(mark, {Name(t)});
    if (absl::Status s =
            d.Add(t.option_id(),
                  absl::StrCat("a vote for ", t.option_id(), " (", StyleName(mark), ")"), spec);
        !s.ok()) {
      return s;
    }
  }
  for (const std::vector<const Target*>& targets : TargetsByContest(style)) {
    if (targets.empty()) continue;
    const Contest* contest = FindContest(election, targets[0]->contest_id());
    if (contest == nullptr) return absl::InternalError("style places an unknown contest");
    std::vector<const Target*> plain, exclusive;
    for (const Target* t : targets) {
      const Option* o = FindOption(*contest, t->option_id());
      (o != nullptr && o->exclusive() ? exclusive : plain).push_back(t);
    }
    const std::string suffix = style.contests_size() > 1 ? "-" + contest->id() : "";
    if (plain.size() > contest->vote_for()) {
      RenderSpec spec = d.Spec(seed++);
      std::vector<std::string> names;
      for (std::size_t i = 0; i <= contest->vote_for(); ++i) names.push_back(Name(*plain[i]));
      *spec.add_marks() = Mark(FILLED, {names.front()});
      *spec.add_marks() = Mark(CHECK, std::vector<std::string>(names.begin() + 1, names.end()));
      if (absl::Status s =
              d.Add(absl::StrCat("overvote", suffix),
                    absl::StrCat("overvote: ", contest->vote_for() + 1,
                                 " options marked in a vote for ", contest->vote_for()),
                    spec);
          !s.ok()) {
        return s;
      }
    }
    if (!exclusive.empty() && !plain.empty()) {
      RenderSpec spec = d.Spec(seed++);
      *spec.add_marks() = Mark(CROSS, {Name(*exclusive[0])});
      *spec.add_marks() = Mark(FILLED, {Name(*plain.back())});
      if (absl::Status s =
              d.Add(absl::StrCat(exclusive[0]->option_id(), "-and-", plain.back()->option_id()),
                    absl::StrCat("overvote: exclusive option ", exclusive[0]->option_id(),
                                 " marked together with ", plain.back()->option_id()),
                    spec);
          !s.ok()) {
        return s;
      }
    }
  }
  return d.Add("blank", "no mark at all: a blank ballot goes back to the voter", d.Spec(seed));
}

// A ballot with random damage and random marks: usually one clear vote, sometimes an overvote or
// nothing.
absl::Status AddRandom(DeckMaker& d, int n, std::uint64_t seed) {
  Rng rng(MixSeed(seed, 0xDEC));
  RenderSpec spec = d.Spec(seed);
  *spec.mutable_degrade() = RandomDegradeSpec(seed);
  const MarkStyle kStyles[] = {FILLED, CHECK, CROSS, PARTIAL};
  std::vector<std::string> what;
  for (const std::vector<const Target*>& targets : TargetsByContest(d.style())) {
    if (targets.empty()) continue;
    const double r = rng.Uniform();
    if (r < 0.12) {
      what.push_back(absl::StrCat(targets[0]->contest_id(), " blank"));
      continue;
    }
    const int first = static_cast<int>(rng.UniformInt(0, static_cast<int>(targets.size()) - 1));
    const MarkStyle style = kStyles[rng.UniformInt(0, 3)];
    *spec.add_marks() = Mark(style, {Name(*targets[first])});
    std::string marked = absl::StrCat(targets[first]->option_id(), " (", StyleName(style), ")");
    if (r < 0.25 && targets.size() > 1) {
      const int second =
          (first + 1 + static_cast<int>(rng.UniformInt(0, static_cast<int>(targets.size()) - 2))) %
          static_cast<int>(targets.size());
      *spec.add_marks() = Mark(FILLED, {Name(*targets[second])});
      absl::StrAppend(&marked, " and ", targets[second]->option_id(), " (filled)");
    }
    what.push_back(marked);
  }
  return d.Add(absl::StrFormat("random-damage-%02d", n),
               absl::StrCat("random damage (", DegradeSummary(spec.degrade()),
                            "); marks: ", absl::StrJoin(what, "; ")),
               spec);
}

// Each kind of damage alone at the strongest a reader must cope with, on a ballot with one vote.
absl::Status AddEachDamageAlone(DeckMaker& d, std::uint64_t seed) {
  std::vector<std::pair<std::string, DegradeSpec>> damage;
  auto add = [&damage](std::string slug, std::function<void(DegradeSpec&)> set) {
    DegradeSpec spec;
    set(spec);
    damage.emplace_back(std::move(slug), spec);
  };
  add("skew-plus-5", [](DegradeSpec& s) { s.set_rotation_deg(kMaxRotationDeg); });
  add("skew-minus-5", [](DegradeSpec& s) { s.set_rotation_deg(-kMaxRotationDeg); });
  add("upside-down", [](DegradeSpec& s) { s.set_upside_down(true); });
  add("scale-0.97", [](DegradeSpec& s) { s.set_scale(0.97); });
  add("scale-1.03", [](DegradeSpec& s) { s.set_scale(1.03); });
  add("shift-3mm", [](DegradeSpec& s) {
    s.set_shift_x_mm(3);
    s.set_shift_y_mm(-3);
  });
  add("blur-1.5px", [](DegradeSpec& s) { s.set_blur_sigma_px(1.5); });
  add("noise-10", [](DegradeSpec& s) { s.set_noise_sigma(10); });
  add("dust-60", [](DegradeSpec& s) { s.set_dust_specks(60); });
  add("fold", [](DegradeSpec& s) { s.set_fold(true); });
  add("streak", [](DegradeSpec& s) { s.set_streak(true); });
  add("contrast-0.5", [](DegradeSpec& s) { s.set_contrast(0.5); });
  add("jpeg-40", [](DegradeSpec& s) { s.set_jpeg_quality(40); });
  const MarkStyle kStyles[] = {CHECK, FILLED, CROSS};
  const BallotStyle& style = d.style();
  for (std::size_t i = 0; i < damage.size(); ++i) {
    const Target& t = style.targets(static_cast<int>((i * 5) % style.targets_size()));
    const MarkStyle mark = kStyles[i % 3];
    RenderSpec spec = d.Spec(seed + i);
    *spec.add_marks() = Mark(mark, {Name(t)});
    *spec.mutable_degrade() = damage[i].second;
    if (absl::Status s = d.Add(damage[i].first,
                               absl::StrCat(DegradeSummary(damage[i].second), " alone; a vote for ",
                                            t.option_id(), " (", StyleName(mark), ")"),
                               spec);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// The cases a reader must get right beyond plain votes.
absl::Status MakeEdge(DeckMaker& d, std::uint64_t seed) {
  struct Case {
    std::string slug, description;
    std::function<void(RenderSpec&)> make;
    std::string printed_from = "";  // another fixture election, or "" for the deck's
  };
  const std::vector<Case> cases = {
      {"against-all-and-ata-jurt", "\"against all\" marked together with a party: overvote",
       [](RenderSpec& s) {
         *s.add_marks() = Mark(CROSS, {"against-all"});
         *s.add_marks() = Mark(FILLED, {"ata-jurt"});
       }},
      {"pencil-line", "one 1 mm #2 pencil line across the whole target of ishenim: a vote",
       [](RenderSpec& s) { *s.add_marks() = Mark(LINE, {"ishenim"}); }},
      {"stray-marks-and-vote", "a vote for yntymak and four pen scribbles away from every target",
       [](RenderSpec& s) {
         *s.add_marks() = Mark(FILLED, {"yntymak"});
         s.set_stray_marks(4);
       }},
      {"stray-marks-only", "pen scribbles away from every target and no vote: blank",
       [](RenderSpec& s) { s.set_stray_marks(5); }},
      {"other-election", "a presidential ballot fed into the party-list reader",
       [](RenderSpec& s) {
         s.set_election(DeckMaker::ElectionPath("presidential"));
         s.set_style_id("president");
         *s.add_marks() = Mark(FILLED, {"japarov"});
       },
       "presidential"},
      {"test-ballot", "a test-deck ballot fed while counting live ballots",
       [](RenderSpec& s) {
         s.set_test(true);
         *s.add_marks() = Mark(FILLED, {"alyans"});
       }},
      {"no-barcode", "the barcode area is blank",
       [](RenderSpec& s) {
         s.set_no_barcode(true);
         *s.add_marks() = Mark(FILLED, {"alyans"});
       }},
      {"upside-down", "fed upside down; a check for butun-kyrgyzstan",
       [](RenderSpec& s) {
         s.mutable_degrade()->set_upside_down(true);
         *s.add_marks() = Mark(CHECK, {"butun-kyrgyzstan"});
       }},
      {"wrong-precinct", "a ballot of precinct 2001 fed at precinct 1001",
       [](RenderSpec& s) {
         s.set_precinct_id("2001");
         *s.add_marks() = Mark(FILLED, {"ata-meken"});
       }},
      {"foreign-sheet", "a sheet that is not a ballot: text, no fiducials",
       [](RenderSpec& s) { s.set_blank_page(true); }},
      {"light-mark", "a faint pencil fill of azattyk: marginal, goes back to the voter",
       [](RenderSpec& s) { *s.add_marks() = Mark(LIGHT, {"azattyk"}); }},
      {"light-and-filled",
       "a vote for social-democrats and a faint fill of reforma: valid or overvote",
       [](RenderSpec& s) {
         *s.add_marks() = Mark(FILLED, {"social-democrats"});
         *s.add_marks() = Mark(LIGHT, {"reforma"});
       }},
      {"partial-fill", "about half of the target of mekenchil filled: a vote",
       [](RenderSpec& s) { *s.add_marks() = Mark(PARTIAL, {"mekenchil"}); }},
      {"check-300dpi", "a check for respublika imaged at 300 dpi",
       [](RenderSpec& s) {
         s.set_dpi(300);
         *s.add_marks() = Mark(CHECK, {"respublika"});
       }},
      {"fold-and-dust", "a vote for emgek on a folded, dusty sheet: neither counts as a vote",
       [](RenderSpec& s) {
         *s.add_marks() = Mark(FILLED, {"emgek"});
         s.mutable_degrade()->set_fold(true);
         s.mutable_degrade()->set_dust_specks(80);
       }},
      {"cross-in-last-row", "a cross for el-umutu, the last party before \"against all\"",
       [](RenderSpec& s) { *s.add_marks() = Mark(CROSS, {"el-umutu"}); }},
  };
  for (const Case& c : cases) {
    RenderSpec spec = d.Spec(seed++);
    c.make(spec);
    if (absl::Status s = d.Add(c.slug, c.description, spec, c.printed_from); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// Commission stamps of several sizes and inks (as a gray scanner sees them) reaching into boxes
// by 1.5-4 mm from every side and over fiducials: on blank ballots and on ballots with a vote
// for another option.
absl::Status MakeStamps(DeckMaker& d, std::uint64_t seed) {
  const BallotStyle& style = d.style();
  const int n = style.targets_size();
  const double kDiameters[] = {25, 32, 40, 45};
  const std::uint32_t kGrays[] = {60, 100, 140, 180};
  const double kEntries[] = {1.5, 2.5, 4.0};
  struct Side {
    const char* name;
    double dx, dy;  // from the box centre towards the stamp
  };
  const Side kSides[] = {{"left", -1, 0}, {"right", 1, 0}, {"above", 0, -1}, {"below", 0, 1}};
  // Stamps come from outside the column of boxes: from the left into any box, from the right
  // (25 mm, clear of the fiducials and the barcode) into the first and middle ones, from above
  // into the first and from below into the last.
  struct Placement {
    int target;
    Side side;
    bool small_only;
  };
  std::vector<Placement> placements;
  for (int t : {0, n / 2, n - 1}) placements.push_back({t, kSides[0], false});
  for (int t : {0, n / 2}) placements.push_back({t, kSides[1], true});
  placements.push_back({0, kSides[2], true});
  placements.push_back({n - 1, kSides[3], true});
  int count = 0;
  for (const Placement& place : placements) {
    const int t = place.target;
    const Side& side = place.side;
    const Rect& a = style.targets(t).area();
    {
      for (double entry : kEntries) {
        const double diameter = place.small_only ? 25 : kDiameters[count % 4];

        const std::uint32_t gray = kGrays[(count / 4 + count) % 4];
        StampSpec stamp;
        stamp.set_diameter_mm(diameter);
        stamp.set_gray(gray);
        const double r = diameter / 2;
        const double cx = a.x_mm() + a.width_mm() / 2, cy = a.y_mm() + a.height_mm() / 2;
        // The stamp's outer edge `entry` mm inside the box edge on that side.
        const double half = side.dx != 0 ? a.width_mm() / 2 : a.height_mm() / 2;
        stamp.set_center_x_mm(cx + side.dx * (half + r - entry));
        stamp.set_center_y_mm(cy + side.dy * (half + r - entry));
        RenderSpec spec = d.Spec(seed + static_cast<std::uint64_t>(count));
        *spec.add_stamps() = stamp;
        std::string vote = "blank";
        if (count % 2 == 1) {
          // A vote for the option farthest from the stamp.
          const int other = t < n / 2 ? n - 1 : 0;
          vote = absl::StrCat("a vote for ", style.targets(other).option_id());
        }
        if (absl::Status s =
                d.Add(absl::StrFormat("stamp-%s-%s-%.1fmm", style.targets(t).option_id(), side.name,
                                      entry),
                      absl::StrFormat(
                          "a %.0f mm stamp in gray %d reaching %.1f mm into the box of %s "
                          "from %s; %s",
                          diameter, gray, entry, style.targets(t).option_id(), side.name, vote),
                      spec);
            !s.ok()) {
          return s;
        }
        ++count;
      }
    }
  }
  // Light stamps (gray 168-186, as a worn pad leaves them): their textured ink breaks up where it
  // is faint, into specks that no longer join the ring outside the box to what lies inside it.
  // Still never a vote.
  const Side kLightSides[] = {kSides[0], kSides[3], kSides[0]};
  const int kLightTargets[] = {0, n - 1, n / 2};
  for (std::uint32_t gray : {168u, 176u, 186u}) {
    for (int i = 0; i < 3; ++i) {
      const int t = kLightTargets[i];
      const Side& side = kLightSides[i];
      const Rect& a = style.targets(t).area();
      const double entry = 1.5 + 1.0 * i, r = 12.5;
      StampSpec stamp;
      stamp.set_diameter_mm(2 * r);
      stamp.set_gray(gray);
      const double half = side.dx != 0 ? a.width_mm() / 2 : a.height_mm() / 2;
      stamp.set_center_x_mm(a.x_mm() + a.width_mm() / 2 + side.dx * (half + r - entry));
      stamp.set_center_y_mm(a.y_mm() + a.height_mm() / 2 + side.dy * (half + r - entry));
      RenderSpec spec = d.Spec(seed + static_cast<std::uint64_t>(count));
      *spec.add_stamps() = stamp;
      if (absl::Status s = d.Add(
              absl::StrFormat("light-stamp-%s-%s-gray-%d", style.targets(t).option_id(), side.name,
                              gray),
              absl::StrFormat("a 25 mm stamp in light gray %d reaching %.1f mm into the box of %s "
                              "from %s; blank",
                              gray, entry, style.targets(t).option_id(), side.name),
              spec);
          !s.ok()) {
        return s;
      }
      ++count;
    }
  }
  // Over each fiducial: light inks, then a medium one (gray 100, whose ink registration sets
  // apart from the black mark under it). A dark stamp squarely over a fiducial hides it: such a
  // ballot is returned to the voter (docs/vision.md).
  for (int f = 0; f < 2 * style.fiducials_size(); ++f) {
    RenderSpec spec = d.Spec(seed + 100 + static_cast<std::uint64_t>(f));
    StampSpec& stamp = *spec.add_stamps();
    stamp.set_diameter_mm(32);
    stamp.set_gray(f >= style.fiducials_size() ? 100 : f % 2 ? 150 : 180);
    const Fiducial& fiducial = style.fiducials(f % style.fiducials_size());
    const int corner = f % style.fiducials_size();
    stamp.set_center_x_mm(fiducial.center().x_mm() + (corner % 2 ? -6 : 6));
    stamp.set_center_y_mm(fiducial.center().y_mm() + (corner < 2 ? 6 : -6));
    *spec.add_marks() = Mark(FILLED, {Name(style.targets(f % n))});
    if (absl::Status s =
            d.Add(absl::StrCat("stamp-over-fiducial-", corner + 1, "-gray-", stamp.gray()),
                  absl::StrCat("a 32 mm stamp in gray ", stamp.gray(), " over fiducial ",
                               corner + 1, "; a vote for ", style.targets(f % n).option_id()),
                  spec);
        !s.ok()) {
      return s;
    }
  }
  // Over the barcode, in a medium and a light ink: the code is read from its black modules.
  const Rect& code = style.barcode().area();
  for (const std::uint32_t gray : {100u, 140u}) {
    RenderSpec spec = d.Spec(seed + 200 + gray);
    StampSpec& stamp = *spec.add_stamps();
    stamp.set_diameter_mm(32);
    stamp.set_gray(gray);
    stamp.set_center_x_mm(code.x_mm() + code.width_mm() / 2);
    stamp.set_center_y_mm(code.y_mm() + code.height_mm() / 2);
    *spec.add_marks() = Mark(FILLED, {Name(style.targets(n - 1))});
    if (absl::Status s = d.Add(
            absl::StrCat("stamp-over-barcode-gray-", gray),
            absl::StrCat("a 32 mm stamp in gray ", gray, " squarely over the barcode; a vote for ",
                         style.targets(n - 1).option_id()),
            spec);
        !s.ok()) {
      return s;
    }
  }
  // Squarely over a box: never a vote (at most marginal, and the ballot goes back).
  for (const int t : {0, n / 2}) {
    const Rect& a = style.targets(t).area();
    RenderSpec spec = d.Spec(seed + 300 + static_cast<std::uint64_t>(t));
    StampSpec& stamp = *spec.add_stamps();
    stamp.set_diameter_mm(25);
    stamp.set_gray(140);
    stamp.set_center_x_mm(a.x_mm() + a.width_mm() / 2);
    stamp.set_center_y_mm(a.y_mm() + a.height_mm() / 2);
    if (absl::Status s = d.Add(absl::StrCat("stamp-squarely-over-", style.targets(t).option_id()),
                               absl::StrCat("a 25 mm stamp in gray 140 centred on the box of ",
                                            style.targets(t).option_id(), "; blank"),
                               spec);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// Ticks, checks, crosses and fills in blue, red and black ballpoint and felt pen; crosses that
// run over the box edge by up to 1.8 mm; a 1 mm pencil line.
absl::Status MakePens(DeckMaker& d, std::uint64_t seed) {
  const BallotStyle& style = d.style();
  const int n = style.targets_size();
  const Pen kPens[] = {BLACK_BALLPOINT, BLUE_BALLPOINT, RED_BALLPOINT, FELT_PEN};
  const MarkStyle kStyles[] = {CHECK, CROSS, FILLED};
  int count = 0;
  for (int repeat = 0; repeat < 3; ++repeat) {
    for (Pen pen : kPens) {
      for (MarkStyle mark : kStyles) {
        const Target& t = style.targets(count % n);
        RenderSpec spec = d.Spec(seed + static_cast<std::uint64_t>(count));
        MarkSpec m = Mark(mark, {Name(t)});
        m.set_pen(pen);
        *spec.add_marks() = m;
        const std::string pen_name = absl::AsciiStrToLower(Pen_Name(pen));
        if (absl::Status s =
                d.Add(absl::StrCat(pen_name, "-", StyleName(mark), "-", repeat + 1),
                      absl::StrCat("a ", StyleName(mark), " in ", pen_name, " for ", t.option_id()),
                      spec);
            !s.ok()) {
          return s;
        }
        ++count;
      }
    }
  }
  for (double over : {1.0, 1.5, 1.8}) {
    for (Pen pen : kPens) {
      for (MarkStyle mark : {CROSS, CHECK}) {
        const Target& t = style.targets(count % n);
        RenderSpec spec = d.Spec(seed + static_cast<std::uint64_t>(count));
        MarkSpec m = Mark(mark, {Name(t)});
        m.set_pen(pen);
        m.set_overreach_mm(over);
        *spec.add_marks() = m;
        const std::string pen_name = absl::AsciiStrToLower(Pen_Name(pen));
        if (absl::Status s =
                d.Add(absl::StrFormat("%s-%s-over-%.1fmm", pen_name, StyleName(mark), over),
                      absl::StrFormat("a %s in %s for %s running %.1f mm over the box edge",
                                      StyleName(mark), pen_name, t.option_id(), over),
                      spec);
            !s.ok()) {
          return s;
        }
        ++count;
      }
    }
  }
  for (int i = 0; i < 4; ++i) {
    const Target& t = style.targets((count + 5 * i) % n);
    RenderSpec spec = d.Spec(seed + static_cast<std::uint64_t>(count + i));
    *spec.add_marks() = Mark(LINE, {Name(t)});
    if (absl::Status s = d.Add(absl::StrCat("pencil-line-", i + 1),
                               absl::StrCat("a 1 mm pencil line for ", t.option_id()), spec);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// A streak along the feed (1-4 px, nearly opaque to light) at positions across the whole sheet,
// every 0.5 mm through the barcode and every 5 mm elsewhere, and scratches across the feed
// through the barcode: on a ballot with one vote.
absl::Status MakeStreaks(DeckMaker& d, std::uint64_t seed) {
  const BallotStyle& style = d.style();
  const int n = style.targets_size();
  const Rect& code = style.barcode().area();
  std::vector<double> xs;
  for (double x = 5; x < style.page_width_mm() - 4; x += 5) xs.push_back(x);
  for (double x = code.x_mm() - 1; x <= code.x_mm() + code.width_mm() + 1; x += 0.5) {
    xs.push_back(x);
  }
  int count = 0;
  for (double x : xs) {
    const std::uint32_t width = 1 + static_cast<std::uint32_t>(count % 4);
    const double transmission = count % 3 == 0 ? 0.05 : count % 3 == 1 ? 0.3 : 0.6;
    const Target& t = style.targets(count % n);
    RenderSpec spec = d.Spec(seed + static_cast<std::uint64_t>(count));
    *spec.add_marks() = Mark(count % 2 ? CHECK : CROSS, {Name(t)});
    spec.mutable_degrade()->set_streak(true);
    spec.mutable_degrade()->set_streak_x_mm(x);
    spec.mutable_degrade()->set_streak_width_px(width);
    spec.mutable_degrade()->set_streak_transmission(transmission);
    if (absl::Status s = d.Add(
            absl::StrFormat("streak-%.1fmm-%dpx", x, width),
            absl::StrFormat("a %d px streak letting %.0f%% of the light through at x %.1f mm; "
                            "a vote for %s",
                            width, transmission * 100, x, t.option_id()),
            spec);
        !s.ok()) {
      return s;
    }
    ++count;
  }
  for (double y = code.y_mm() + 1; y < code.y_mm() + code.height_mm(); y += 2) {
    const Target& t = style.targets(count % n);
    RenderSpec spec = d.Spec(seed + static_cast<std::uint64_t>(count));
    *spec.add_marks() = Mark(FILLED, {Name(t)});
    spec.mutable_degrade()->set_scratch_y_mm(y);
    if (absl::Status s =
            d.Add(absl::StrFormat("scratch-%.1fmm", y),
                  absl::StrFormat("a dark scratch across the feed at y %.1f mm; a vote for %s", y,
                                  t.option_id()),
                  spec);
        !s.ok()) {
      return s;
    }
    ++count;
  }
  return absl::OkStatus();
}

// A heavy fill on the back of the sheet behind one, two or three boxes, with and without a vote
// elsewhere.
absl::Status MakeShowThrough(DeckMaker& d, std::uint64_t seed) {
  const BallotStyle& style = d.style();
  const int n = style.targets_size();
  for (int i = 0; i < 12; ++i) {
    RenderSpec spec = d.Spec(seed + static_cast<std::uint64_t>(i));
    std::vector<std::string> behind;
    for (int j = 0; j <= i % 3; ++j) {
      const Target& t = style.targets((i + 4 * j) % n);
      spec.add_show_through(Name(t));
      behind.push_back(t.option_id());
    }
    std::string vote = "blank";
    if (i % 2 == 1) {
      const Target& t = style.targets((i + 2) % n);
      *spec.add_marks() = Mark(CHECK, {Name(t)});
      vote = absl::StrCat("a vote for ", t.option_id());
    }
    if (absl::Status s = d.Add(absl::StrCat("show-through-", i + 1),
                               absl::StrCat("a heavy fill on the back behind ",
                                            absl::StrJoin(behind, ", "), "; ", vote),
                               spec);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

struct DeckDefinition {
  const char* name;
  const char* kind;
  const char* election;  // short name of the fixture election
  const char* precinct;
  std::uint64_t seed;
  const char* description;
};

constexpr DeckDefinition kDecks[] = {
    {"clean-party-list", "clean", "party-list", "1001", 1000,
     "Party list, undamaged, 200 dpi: every option marked once, overvotes, a blank ballot."},
    {"clean-single-mandate-1001", "clean", "single-mandate", "1001", 2000,
     "Single-mandate district 1, undamaged, 200 dpi: every option, overvotes, blank."},
    {"clean-single-mandate-2001", "clean", "single-mandate", "2001", 3000,
     "Single-mandate district 2, undamaged, 200 dpi: every option, overvotes, blank."},
    {"clean-presidential", "clean", "presidential", "1002", 4000,
     "Presidential, undamaged, 200 dpi: every candidate, an overvote, blank."},
    {"clean-referendum", "clean", "referendum", "2001", 5000,
     "Referendum, undamaged, 200 dpi: every answer, overvotes, blank."},
    {"edge", "edge", "party-list", "1001", 9000,
     "Party list at precinct 1001, live: the cases beyond plain votes (exclusive overvote, "
     "pencil line, stray marks, other election, test ballot, no barcode, upside down, wrong "
     "precinct, foreign sheet, light and partial marks, 300 dpi, fold and dust)."},
    {"degraded-party-list", "degraded", "party-list", "1001", 11000,
     "Party list with scanner damage: random combinations, then each damage alone at its "
     "strongest. Images are rendered at test time (esep deck build)."},
    {"degraded-single-mandate", "degraded", "single-mandate", "2001", 12000,
     "Single-mandate district 2 with random scanner damage. Images are rendered at test time."},
    {"degraded-presidential", "degraded", "presidential", "1001", 13000,
     "Presidential with random scanner damage. Images are rendered at test time."},
    {"degraded-referendum", "degraded", "referendum", "1002", 14000,
     "Referendum with random scanner damage. Images are rendered at test time."},
    {"paper-stamps", "paper", "party-list", "1001", 21000,
     "Commission stamps reaching into boxes, over fiducials: never a vote. Rendered at test "
     "time."},
    {"paper-pens", "paper", "party-list", "1001", 22000,
     "Blue, red and black ballpoint and felt pen ticks, checks, crosses and fills, marks over the "
     "box edge, pencil lines: every one a vote. Rendered at test time."},
    {"paper-streaks", "paper", "party-list", "1001", 23000,
     "A streak or scratch at positions across the whole sheet and through the barcode: every "
     "ballot read. Rendered at test time."},
    {"paper-show-through", "paper", "party-list", "1001", 24000,
     "Heavy marks on the back of the sheet behind boxes: never a vote. Rendered at test time."},
};

}  // namespace

std::vector<std::string> DeckNames(std::string_view kind) {
  std::vector<std::string> names;
  for (const DeckDefinition& deck : kDecks) {
    if (kind.empty() || kind == deck.kind) names.push_back(deck.name);
  }
  return names;
}

absl::StatusOr<DeckManifest> GenerateDeck(std::string_view name, const std::string& repo_root) {
  const DeckDefinition* def = nullptr;
  for (const DeckDefinition& deck : kDecks) {
    if (name == deck.name) def = &deck;
  }
  if (def == nullptr) {
    return absl::NotFoundError(absl::StrCat("no deck named \"", std::string(name), "\" (decks: ",
                                            absl::StrJoin(DeckNames(""), ", "), ")"));
  }
  absl::StatusOr<std::unique_ptr<DeckMaker>> maker =
      DeckMaker::Create(def->name, def->description, def->election, def->precinct, repo_root);
  if (!maker.ok()) return maker.status();
  DeckMaker& d = **maker;
  absl::StatusOr<const Election*> election = d.Load(def->election);
  if (!election.ok()) return election.status();
  const std::string kind = def->kind;
  absl::Status status;
  if (kind == "clean") {
    status = MakeClean(d, **election, def->seed);
  } else if (kind == "edge") {
    status = MakeEdge(d, def->seed);
  } else if (kind == "paper") {
    const std::string_view deck = def->name;
    status = deck == "paper-stamps"    ? MakeStamps(d, def->seed)
             : deck == "paper-pens"    ? MakePens(d, def->seed)
             : deck == "paper-streaks" ? MakeStreaks(d, def->seed)
                                       : MakeShowThrough(d, def->seed);
  } else {
    const int random_ballots = std::string_view(def->election) == "party-list" ? 12 : 6;
    for (int i = 0; i < random_ballots && status.ok(); ++i) {
      status = AddRandom(d, i + 1, def->seed + static_cast<std::uint64_t>(i));
    }
    if (status.ok() && std::string_view(def->election) == "party-list") {
      status = AddEachDamageAlone(d, def->seed + 500);
    }
  }
  if (!status.ok()) return status;
  return d.Take();
}

}  // namespace esep::render
