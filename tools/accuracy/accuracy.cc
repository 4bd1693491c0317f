// esep-accuracy: the long accuracy run (VVSG 2.0 1.2-C asks for 10,000,000 ballot positions read
// with no error). Generates ballots of every fixture election and ballot style, marks them at
// random (every mark style, black, blue and red ballpoint and felt pen, marks over the box edge,
// blank contests), adds what paper and feeding do (skew, shift, a sheet fed upside down, dust,
// folds, streaks at random positions, commission stamps on unmarked boxes, show-through behind
// unmarked boxes), reads each with the interpreter and compares every target with how it was made.
// Not a CI step: its result goes into docs/BENCHMARKS.md.
//
// The ballots are read by a fleet of simulated readers. Each reader has its own sensor (blur,
// noise, contrast, JPEG storage, drawn at random) and is calibrated as a technician does before
// election day: its calibration sheet is scanned with that sensor and measured
// (vision::MeasureCalibrationSheet with the documented tolerances). A reader that passes reads
// with the thresholds its profile recommends, as esepd does; the accuracy requirement applies to
// those. A reader that fails would not open the polls (vision::CheckProfileForPolls); with
// --stress its ballots are read too, with the election's thresholds, and counted apart: errors
// there are reported, and a flipped vote (a mark read as empty or the reverse) is never allowed.
//
//   esep-accuracy [--positions N] [--threads T] [--seed S] [--first BALLOT] [--seconds LIMIT]
//                 [--readers R] [--stress] [--save DIR] [--repo-root DIR]
//
// --positions counts the positions read by calibrated readers. --seconds stops the run after that
// long (the ballots under way are finished) and prints the totals of what was read. --save writes
// each ballot read wrongly as DIR/ballot-N.png with its spec (DIR/ballot-N.txt).
//
// Ballot n is made from (seed, n) alone and read by reader (n / kinds) mod R, so `--first n
// --positions 1` (with the same --readers) makes and reads it again, and a long run can be made
// in parts: each part ends by naming the --first of the next.
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "esep/proto/deck.pb.h"
#include "esep/proto/election.h"
#include "esep/render/deck.h"
#include "esep/render/degrade.h"
#include "esep/render/marks.h"
#include "esep/render/random.h"
#include "esep/render/render.h"
#include "esep/render/spec.h"
#include "esep/vision/calibration.h"
#include "esep/vision/interpreter.h"

namespace esep {
namespace {

constexpr const char* kElections[] = {"party-list-2021", "single-mandate-2021", "presidential-2021",
                                      "referendum-2021"};

struct Kind {
  const Election* election = nullptr;
  const BallotStyle* style = nullptr;
  std::string election_path;
  std::string precinct;
  cv::Mat page;  // printed, unmarked, 200 dpi
};

// One simulated reader: its sensor, whether it passed calibration and its interpreter for each
// ballot kind (with the thresholds its profile recommends, or the election's when it failed).
struct Reader {
  DegradeSpec sensor;
  bool calibrated = false;
  std::string failed_checks;
  std::vector<std::unique_ptr<vision::Interpreter>> interpreters;  // by kind
};

// What makes a reader's images differ from another's: its sensor's blur, noise, contrast and
// JPEG storage, drawn as RandomDegradeSpec draws them for a ballot.
DegradeSpec SensorOf(std::uint64_t seed, int reader) {
  const DegradeSpec all =
      render::RandomDegradeSpec(render::MixSeed(seed, 0x5E4502ULL + static_cast<unsigned>(reader)));
  DegradeSpec sensor;
  sensor.set_blur_sigma_px(all.blur_sigma_px());
  sensor.set_noise_sigma(all.noise_sigma());
  sensor.set_contrast(all.contrast());
  sensor.set_jpeg_quality(all.jpeg_quality());
  return sensor;
}

// Calibrates the reader with `sensor` as a technician does: scans the calibration sheet and
// measures it against the documented tolerances.
absl::StatusOr<vision::CalibrationMeasurement> Calibrate(const cv::Mat& sheet,
                                                         const DegradeSpec& sensor,
                                                         std::uint64_t seed) {
  cv::Mat scan = sheet.clone();
  if (absl::Status s = render::Degrade(scan, sensor, 200, seed); !s.ok()) return s;
  absl::StatusOr<vision::CalibrationMeasurement> m = vision::MeasureCalibrationSheet(
      vision::GrayImage{std::span<const std::uint8_t>(scan.datastart, scan.dataend), scan.cols,
                        scan.rows, static_cast<int>(scan.step[0])},
      vision::StandardCalibrationLayout(), {200});
  if (m.ok()) vision::EvaluateTolerances(vision::CalibrationTolerances{}, &m->profile);
  return m;
}

struct Totals {
  std::atomic<long long> ballots{0};
  std::atomic<long long> positions{0};
  std::atomic<long long> errors{0};
  std::atomic<long long> flipped{0};  // MARKED read where only EMPTY is right, or the reverse
  std::atomic<long long> rejected{0};
  std::atomic<long long> marginal{0};

  std::string Line() const {
    return absl::StrCat(positions.load(), " ballot positions on ", ballots.load(),
                        " ballots: ", errors.load(), " errors (", flipped.load(), " flipped), ",
                        rejected.load(), " ballots rejected, ", marginal.load(),
                        " positions marginal");
  }
};

std::string Name(const Target& t) { return absl::StrCat(t.contest_id(), ":", t.option_id()); }

// One ballot of kind `kind`, made from `seed`: its spec (marks, stamps, show-through, damage).
RenderSpec MakeSpec(const Kind& kind, const DegradeSpec& sensor, std::uint64_t seed) {
  render::Rng rng(render::MixSeed(seed, 0xACC));
  RenderSpec spec;
  spec.set_election(kind.election_path);
  spec.set_style_id(kind.style->id());
  spec.set_precinct_id(kind.precinct);
  spec.set_dpi(200);
  spec.set_seed(seed);
  const MarkStyle kStyles[] = {FILLED, CHECK, CROSS, LINE, PARTIAL};
  const Pen kPens[] = {PEN_UNSPECIFIED, BLACK_BALLPOINT, BLUE_BALLPOINT, RED_BALLPOINT, FELT_PEN};
  std::vector<bool> marked(static_cast<std::size_t>(kind.style->targets_size()), false);
  std::map<std::string, std::vector<int>> by_contest;
  for (int i = 0; i < kind.style->targets_size(); ++i) {
    by_contest[kind.style->targets(i).contest_id()].push_back(i);
  }
  for (const auto& [contest, targets] : by_contest) {
    const double r = rng.Uniform();
    if (r < 0.1) continue;  // blank contest
    const int picks = r < 0.2 && targets.size() > 1 ? 2 : 1;
    for (int p = 0; p < picks; ++p) {
      const int t = targets[static_cast<std::size_t>(
          rng.UniformInt(0, static_cast<int>(targets.size()) - 1))];
      if (marked[static_cast<std::size_t>(t)]) continue;
      marked[static_cast<std::size_t>(t)] = true;
      MarkSpec& m = *spec.add_marks();
      m.add_options(Name(kind.style->targets(t)));
      m.set_style(kStyles[rng.UniformInt(0, 4)]);
      if (m.style() == CHECK || m.style() == CROSS || m.style() == FILLED) {
        m.set_pen(kPens[rng.UniformInt(0, 4)]);
        if (m.style() != FILLED && rng.Chance(0.2)) m.set_overreach_mm(rng.Uniform(0.6, 1.8));
      }
    }
  }
  // Paper: a stamp reaching into an unmarked box, show-through behind one.
  std::vector<int> unmarked;
  for (int i = 0; i < kind.style->targets_size(); ++i) {
    if (!marked[static_cast<std::size_t>(i)]) unmarked.push_back(i);
  }
  auto clear_of_marks = [&](double cx, double cy, double r) {
    for (int i = 0; i < kind.style->targets_size(); ++i) {
      if (!marked[static_cast<std::size_t>(i)]) continue;
      const Rect& a = kind.style->targets(i).area();
      const double dx = std::max({a.x_mm() - cx, 0.0, cx - a.x_mm() - a.width_mm()});
      const double dy = std::max({a.y_mm() - cy, 0.0, cy - a.y_mm() - a.height_mm()});
      if (dx * dx + dy * dy <= (r + 3) * (r + 3)) return false;
    }
    return true;
  };
  if (!unmarked.empty() && rng.Chance(0.15)) {
    const int t = unmarked[static_cast<std::size_t>(
        rng.UniformInt(0, static_cast<int>(unmarked.size()) - 1))];
    const Rect& a = kind.style->targets(t).area();
    // From the left into any box (25-45 mm); from above into the first box or from below into
    // the last (25 mm): a stamp reaching into a box from outside the column of boxes, as in the
    // paper-stamps deck. A stamp squarely over a box, the barcode or a fiducial is not made.
    const bool first = t == 0, last = t == kind.style->targets_size() - 1;
    const int side = (first || last) && rng.Chance(0.5) ? (first ? 2 : 3) : 0;
    const double d = side == 0 ? rng.Uniform(25, 45) : 25, r = d / 2;
    const double entry = rng.Uniform(1.0, 4.0);
    const double dx = side == 0 ? -1 : 0, dy = side == 2 ? -1 : side == 3 ? 1 : 0;
    const double half = dx != 0 ? a.width_mm() / 2 : a.height_mm() / 2;
    const double cx = a.x_mm() + a.width_mm() / 2 + dx * (half + r - entry);
    const double cy = a.y_mm() + a.height_mm() / 2 + dy * (half + r - entry);
    auto away_from = [&](const Rect& b) {
      const double ex = std::max({b.x_mm() - cx, 0.0, cx - b.x_mm() - b.width_mm()});
      const double ey = std::max({b.y_mm() - cy, 0.0, cy - b.y_mm() - b.height_mm()});
      return ex * ex + ey * ey > (r + 3) * (r + 3);
    };
    bool clear = away_from(kind.style->barcode().area());
    for (const Fiducial& f : kind.style->fiducials()) {
      Rect box;
      box.set_x_mm(f.center().x_mm() - f.size_mm() / 2);
      box.set_y_mm(f.center().y_mm() - f.size_mm() / 2);
      box.set_width_mm(f.size_mm());
      box.set_height_mm(f.size_mm());
      clear = clear && away_from(box);
    }
    if (clear && clear_of_marks(cx, cy, r)) {
      StampSpec& s = *spec.add_stamps();
      s.set_center_x_mm(cx);
      s.set_center_y_mm(cy);
      s.set_diameter_mm(d);
      s.set_gray(static_cast<std::uint32_t>(rng.UniformInt(50, 190)));
    }
  }
  if (!unmarked.empty() && rng.Chance(0.1)) {
    spec.add_show_through(Name(kind.style->targets(unmarked[static_cast<std::size_t>(
        rng.UniformInt(0, static_cast<int>(unmarked.size()) - 1))])));
  }
  // The paper's and the feed's damage are the ballot's own; blur, noise, contrast and JPEG are
  // the reader's.
  DegradeSpec& degrade = *spec.mutable_degrade();
  degrade = render::RandomDegradeSpec(seed);
  degrade.set_blur_sigma_px(sensor.blur_sigma_px());
  degrade.set_noise_sigma(sensor.noise_sigma());
  degrade.set_contrast(sensor.contrast());
  degrade.set_jpeg_quality(sensor.jpeg_quality());
  if (spec.degrade().streak() && rng.Chance(0.5)) {
    DegradeSpec& d = *spec.mutable_degrade();
    d.set_streak_x_mm(rng.Uniform(2, kind.style->page_width_mm() - 2));
    d.set_streak_width_px(static_cast<std::uint32_t>(rng.UniformInt(1, 4)));
    d.set_streak_transmission(rng.Uniform(0.05, 0.7));
  }
  return spec;
}

// Draws the spec's marks and damage on a copy of the printed page (as RenderFromSpec does).
absl::StatusOr<cv::Mat> Draw(const Kind& kind, const RenderSpec& spec) {
  cv::Mat page = kind.page.clone();
  const std::vector<MarkSpec> marks(spec.marks().begin(), spec.marks().end());
  if (absl::Status s = render::ApplyMarks(page, *kind.election, *kind.style, marks, 200,
                                          render::MixSeed(spec.seed(), 1));
      !s.ok()) {
    return s;
  }
  const std::vector<std::string> behind(spec.show_through().begin(), spec.show_through().end());
  if (absl::Status s =
          render::ApplyShowThrough(page, *kind.style, behind, 200, render::MixSeed(spec.seed(), 4));
      !s.ok()) {
    return s;
  }
  const std::vector<StampSpec> stamps(spec.stamps().begin(), spec.stamps().end());
  if (absl::Status s =
          render::ApplyStamps(page, *kind.style, stamps, 200, render::MixSeed(spec.seed(), 5));
      !s.ok()) {
    return s;
  }
  if (absl::Status s = render::Degrade(page, spec.degrade(), 200, render::MixSeed(spec.seed(), 3));
      !s.ok()) {
    return s;
  }
  return page;
}

int Main(int argc, char** argv) {
  long long wanted = 10'000'000;
  long long first = 0;
  double limit_s = 0;
  int threads = 2;
  int fleet = 100;
  bool stress = false;
  std::uint64_t seed = 1;
  std::string root = ".";
  std::string save_dir;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--positions" && has_value && absl::SimpleAtoi(argv[i + 1], &wanted) && wanted > 0) {
      ++i;
    } else if (arg == "--threads" && has_value && absl::SimpleAtoi(argv[i + 1], &threads) &&
               threads >= 1 && threads <= 64) {
      ++i;
    } else if (arg == "--seed" && has_value && absl::SimpleAtoi(argv[i + 1], &seed)) {
      ++i;
    } else if (arg == "--first" && has_value && absl::SimpleAtoi(argv[i + 1], &first) &&
               first >= 0) {
      ++i;
    } else if (arg == "--seconds" && has_value && absl::SimpleAtod(argv[i + 1], &limit_s) &&
               limit_s >= 0) {
      ++i;
    } else if (arg == "--readers" && has_value && absl::SimpleAtoi(argv[i + 1], &fleet) &&
               fleet >= 1 && fleet <= 10000) {
      ++i;
    } else if (arg == "--stress") {
      stress = true;
    } else if (arg == "--save" && has_value) {
      save_dir = argv[++i];
    } else if (arg == "--repo-root" && has_value) {
      root = argv[++i];
    } else {
      std::fprintf(arg == "--help" ? stdout : stderr,
                   "usage: esep-accuracy [--positions N>0] [--threads 1..64] [--seed S] "
                   "[--first BALLOT] [--seconds LIMIT] [--readers 1..10000] [--stress] "
                   "[--save DIR] [--repo-root DIR]\n");
      return arg == "--help" ? 0 : 2;
    }
  }
  // The run is parallel by ballots: OpenCV's own worker threads would only compete with them.
  // Each ballot allocates pages of about 4 MB; kept in the heap, they are not mapped and
  // unmapped (and faulted in again) for every ballot.
  cv::setNumThreads(1);
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  std::vector<std::unique_ptr<Election>> elections;
  std::vector<Kind> kinds;
  for (const char* name : kElections) {
    const std::string path = absl::StrCat("fixtures/elections/", name, ".json");
    absl::StatusOr<Election> e = LoadElectionFile(render::RepoPath(root, path));
    if (!e.ok()) {
      std::fprintf(stderr, "esep-accuracy: %s\n", std::string(e.status().message()).c_str());
      return 2;
    }
    elections.push_back(std::make_unique<Election>(*std::move(e)));
    for (const BallotStyle& style : elections.back()->ballot_styles()) {
      Kind k;
      k.election = elections.back().get();
      k.style = &style;
      k.election_path = path;
      k.precinct = style.precinct_ids(0);
      render::BallotRenderRequest request;
      request.style_id = style.id();
      request.precinct_id = k.precinct;
      absl::StatusOr<cv::Mat> page = render::RenderBallot(*k.election, request);
      if (!page.ok()) {
        std::fprintf(stderr, "esep-accuracy: cannot print style %s: %s\n", style.id().c_str(),
                     std::string(page.status().message()).c_str());
        return 2;
      }
      k.page = *page;
      kinds.push_back(std::move(k));
    }
  }

  // The fleet, each reader calibrated.
  absl::StatusOr<cv::Mat> sheet =
      render::RenderCalibrationSheet(vision::StandardCalibrationLayout(), 200);
  if (!sheet.ok()) {
    std::fprintf(stderr, "esep-accuracy: cannot print the calibration sheet: %s\n",
                 std::string(sheet.status().message()).c_str());
    return 2;
  }
  std::vector<Reader> readers(static_cast<std::size_t>(fleet));
  int calibrated = 0;
  for (int r = 0; r < fleet; ++r) {
    Reader& reader = readers[static_cast<std::size_t>(r)];
    reader.sensor = SensorOf(seed, r);
    absl::StatusOr<vision::CalibrationMeasurement> m = Calibrate(
        *sheet, reader.sensor, render::MixSeed(seed, 0xCA1B00ULL + static_cast<unsigned>(r)));
    reader.calibrated = m.ok() && m->profile.pass();
    if (!m.ok()) {
      reader.failed_checks = std::string(m.status().message());
    } else {
      for (const CalibrationCheck& c : m->profile.checks()) {
        if (!c.pass())
          absl::StrAppend(&reader.failed_checks, reader.failed_checks.empty() ? "" : ", ",
                          c.name());
      }
    }
    calibrated += reader.calibrated ? 1 : 0;
    const std::string thresholds =
        reader.calibrated
            ? absl::StrCat(", thresholds ", m->profile.recommended_thresholds().definite(), " and ",
                           m->profile.recommended_thresholds().marginal())
            : "";
    std::printf("reader %d: %s; %s%s%s\n", r, reader.sensor.ShortDebugString().c_str(),
                reader.calibrated ? "calibrated" : "fails calibration: ",
                reader.failed_checks.c_str(), thresholds.c_str());
    if (!reader.calibrated && !stress) continue;
    for (const Kind& kind : kinds) {
      vision::InterpreterOptions options;
      options.precinct_id = kind.precinct;
      if (reader.calibrated) options.thresholds = m->profile.recommended_thresholds();
      absl::StatusOr<vision::Interpreter> interpreter =
          vision::Interpreter::Create(*kind.election, options);
      if (!interpreter.ok()) {
        std::fprintf(stderr, "esep-accuracy: reader %d cannot read style %s: %s\n", r,
                     kind.style->id().c_str(), std::string(interpreter.status().message()).c_str());
        return 2;
      }
      reader.interpreters.push_back(std::make_unique<vision::Interpreter>(*std::move(interpreter)));
    }
  }
  std::printf("esep-accuracy: %d of %d readers calibrated%s\n", calibrated, fleet,
              stress ? "; the others read for the stress tally" : "");
  if (calibrated == 0 && !stress) {
    std::fprintf(stderr, "esep-accuracy: no reader passed calibration\n");
    return 2;
  }
  std::fflush(stdout);

  Totals within, beyond;
  std::mutex print;
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::atomic<long long> next{first};
  std::atomic<bool> stopped_by_time{false};
  auto work = [&] {
    for (;;) {
      if (within.positions.load() >= wanted) return;
      if (limit_s > 0 && seconds() > limit_s) {
        stopped_by_time = true;
        return;
      }
      const long long n = next.fetch_add(1);
      const std::size_t kind_index = static_cast<std::size_t>(n) % kinds.size();
      const Kind& kind = kinds[kind_index];
      const Reader& reader =
          readers[static_cast<std::size_t>(n / static_cast<long long>(kinds.size())) %
                  readers.size()];
      if (reader.interpreters.empty()) continue;  // not calibrated: it never opens the polls
      Totals& totals = reader.calibrated ? within : beyond;
      const std::uint64_t ballot_seed = render::MixSeed(seed, static_cast<std::uint64_t>(n));
      const RenderSpec spec = MakeSpec(kind, reader.sensor, ballot_seed);
      render::DeckSetting setting{kind.election, kind.precinct, false};
      absl::StatusOr<DeckBallot> want = render::ExpectReading(setting, *kind.election, spec);
      absl::StatusOr<cv::Mat> image = want.ok() ? Draw(kind, spec) : want.status();
      if (!image.ok()) {
        std::lock_guard<std::mutex> lock(print);
        std::fprintf(stderr, "ballot %lld: %s\n", n, std::string(image.status().message()).c_str());
        totals.errors += kind.style->targets_size();
        totals.positions += kind.style->targets_size();
        continue;
      }
      const Interpretation in = reader.interpreters[kind_index]->Interpret(
          vision::GrayImage{std::span<const std::uint8_t>(image->datastart, image->dataend),
                            image->cols, image->rows, static_cast<int>(image->step[0])});
      long long errors = 0, flipped = 0;
      std::string wrong;
      if (!in.accepted()) {
        errors = want->targets_size();
        ++totals.rejected;
      } else {
        for (int i = 0; i < want->targets_size() && i < in.targets_size(); ++i) {
          const auto& allowed = want->targets(i).allowed();
          const MarkClass read = in.targets(i).mark();
          if (read == MARGINAL) ++totals.marginal;
          if (std::find(allowed.begin(), allowed.end(), read) == allowed.end()) {
            ++errors;
            flipped += read == MARKED || read == EMPTY ? 1 : 0;
            absl::StrAppend(&wrong, " ", in.targets(i).option_id(), " read ", MarkClass_Name(read),
                            " (score ", in.targets(i).score(),
                            in.targets(i).note().empty() ? "" : ", ", in.targets(i).note(), ");");
          }
        }
      }
      totals.positions += want->targets_size();
      totals.errors += errors;
      totals.flipped += flipped;
      const long long done = ++totals.ballots;
      if (errors > 0 && !save_dir.empty()) {
        const std::string base = absl::StrCat(save_dir, "/ballot-", n);
        std::vector<unsigned char> png;
        std::ofstream text(base + ".txt");
        text << spec.DebugString();
        if (!cv::imencode(".png", *image, png) ||
            !std::ofstream(base + ".png", std::ios::binary)
                 .write(reinterpret_cast<const char*>(png.data()),
                        static_cast<std::streamsize>(png.size())) ||
            !text) {
          std::lock_guard<std::mutex> lock(print);
          std::fprintf(stderr, "esep-accuracy: cannot save %s.png and .txt\n", base.c_str());
        }
      }
      if (errors > 0 || (reader.calibrated && done % 1000 == 0)) {
        std::lock_guard<std::mutex> lock(print);
        if (errors > 0) {
          std::printf(
              "ERROR%s ballot %lld style %s reader %lld%s: %lld positions wrong:%s%s\n"
              "  spec: %s\n",
              reader.calibrated ? "" : " (stress)", n, kind.style->id().c_str(),
              n / static_cast<long long>(kinds.size()) % fleet, flipped > 0 ? " FLIPPED" : "",
              errors, wrong.c_str(),
              in.accepted() ? "" : absl::StrCat(" rejected: ", in.detail()).c_str(),
              spec.ShortDebugString().c_str());
        }
        if (reader.calibrated && done % 1000 == 0) {
          std::printf("progress: %s, %.0f s\n", within.Line().c_str(), seconds());
        }
        std::fflush(stdout);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(work);
  for (std::thread& t : pool) t.join();
  if (stopped_by_time) {
    std::printf("esep-accuracy: stopped after the time limit of %.0f s, short of %lld positions\n",
                limit_s, wanted);
  }
  std::printf(
      "esep-accuracy: %zu ballot kinds, %d of %d readers calibrated, %d threads, seed %llu, "
      "%.1f s\n",
      kinds.size(), calibrated, fleet, threads, static_cast<unsigned long long>(seed), seconds());
  // Every ballot number handed out was made and read to the end, so runs over consecutive
  // ranges add up to one run.
  std::printf(
      "esep-accuracy: ballots %lld to %lld; the run goes on with --first %lld (the same "
      "--seed and --readers)\n",
      first, next.load() - 1, next.load());
  std::printf("calibrated readers: %s\n", within.Line().c_str());
  if (stress) std::printf("readers failing calibration (stress): %s\n", beyond.Line().c_str());
  return within.errors.load() == 0 && beyond.flipped.load() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace esep

int main(int argc, char** argv) { return esep::Main(argc, argv); }
