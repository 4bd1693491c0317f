// Crash injection: a whole election day with two ballots per voter (10 January 2021: president
// and referendum, fed in mixed order; logic-and-accuracy test, opening, a deck of ballots with
// returned ones, the close of the polls) run in a child process that is killed with SIGKILL at
// the Nth crash point (esep/scanner/crash_point.h) or after a random delay, then restarted on the
// same store and the same paper, again and again until the day is done. After every kill the
// store, opened read-only as left by the crash, must hold a tally equal to its cast records and
// to the interpreter's reading of their stored images, with no sheet counted twice and none
// counted that is not in the box; at the end every ballot that should be cast is cast exactly
// once. ESEP_CRASH_POINTS sets the number of kills (tools/crash-test.sh runs the full count).
//
// The same days run again with storage faults instead of kills: at the chosen crash point the
// store's file system fills up, turns read-only or fails with I/O errors (tests/fault/), and the
// day goes on until the reader notices. From then on it must take no more paper; the child then
// stops, and the next start (the storage repaired) must find the same invariants: paper in the
// box = ballots counted, nothing counted twice. ESEP_STORAGE_FAULTS sets their number.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "esep/proto/election.h"
#include "esep/proto/sha256.h"
#include "esep/scanner/crash_point.h"
#include "esep/scanner/precinct.h"
#include "esep/scanner/simulated_reader.h"
#include "google/protobuf/util/message_differencer.h"
#include "storage_fault.h"
#include "test_sheets.h"

namespace esep::scanner {
namespace {

constexpr int kDefaultKills = 150;
constexpr int kDefaultStorageFaults = 60;
constexpr char kPrecinct[] = "1002";

// The child's crash hook: counts crash points (only those of `g_target_phase` when set, none of
// the restart when `g_skip_restart`) and, at
// the chosen one, names it and the phase of the day on the pipe to the parent and dies as a power
// loss would kill it.
int g_kill_at = 0;
int g_points = 0;
int g_site_fd = -1;
const char* g_phase = "restart";
const char* g_target_phase = nullptr;
bool g_skip_restart = false;

// Instead of the kill: the storage fault to arm at the chosen point, under `g_fault_dir`.
fault::StorageFault g_fault = fault::StorageFault::kNone;
std::int64_t g_fault_budget = 0;
std::string g_fault_dir;

void KillAtChosenPoint(const char* site) {
  if (g_target_phase != nullptr && std::strcmp(g_phase, g_target_phase) != 0) return;
  if (g_skip_restart && std::strcmp(g_phase, "restart") == 0) return;
  if (++g_points != g_kill_at) return;
  const std::string line = std::string(site) + " " + g_phase + "\n";
  (void)!::write(g_site_fd, line.data(), line.size());
  if (g_fault != fault::StorageFault::kNone) {
    fault::ArmStorageFault(g_fault_dir, g_fault, g_fault_budget);
    return;
  }
  ::raise(SIGKILL);
}

// The child's exit status when it stopped on a storage fault as it must.
constexpr int kStoppedByStorageFault = 30;
// ... and when the reader took paper after the fault.
constexpr int kPaperTakenAfterFault = 31;

constexpr char kClosePhase[] = "close-polls";

int CountWanted(const char* variable, int fallback) {
  const char* text = std::getenv(variable);
  const int n = text == nullptr ? 0 : std::atoi(text);
  return n > 0 ? n : fallback;
}
int KillsWanted() { return CountWanted("ESEP_CRASH_POINTS", kDefaultKills); }

// One sheet of the deck and what must become of it.
struct DeckSheet {
  SheetImage image;
  std::string pixels_sha256;  // identifies the sheet behind a stored image
  bool test = false;
  bool should_cast = false;  // a valid vote, or a returned one its voter insists on
  bool insist = false;       // the voter casts it as is when it is returned
  std::string style;         // the ballot style, one per ballot kind of the day
};

class CrashInjectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Election> e = LoadElectionFile("fixtures/elections/january-2021.json");
    ASSERT_TRUE(e.ok()) << e.status();
    election_ = *e;
    dir_ = testing::ScratchDirectory("esep-crash");
    // A kill -9 loses nothing the kernel holds, so fsync buys no safety here; in memory it costs
    // nothing either, which lets more kills run in the same time.
    std::error_code ec;
    if (std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0) {
      dir_ = std::filesystem::path("/dev/shm") / dir_.filename();
      std::filesystem::remove_all(dir_);
    }
    world_file_ = dir_.string() + ".paper";
    vision::InterpreterOptions options;
    options.precinct_id = kPrecinct;
    absl::StatusOr<vision::Interpreter> live = vision::Interpreter::Create(election_, options);
    options.test_mode = true;
    absl::StatusOr<vision::Interpreter> test = vision::Interpreter::Create(election_, options);
    ASSERT_TRUE(live.ok() && test.ok());
    live_.emplace(*std::move(live));
    test_.emplace(*std::move(test));

    // Test ballots of both kinds, then live ones of both kinds in mixed order: valid votes,
    // overvotes and blanks that go back, and a blank whose voter casts it as is.
    struct Spec {
      std::string style;
      std::vector<std::string> options;
      bool test;
      bool insist;
    };
    const std::vector<Spec> specs = {
        {"referendum", {"presidential"}, true, false},
        {"president", {"japarov"}, true, false},
        {"referendum", {"parliamentary"}, true, false},
        {"president", {"madumarov"}, false, false},
        {"referendum", {"presidential"}, false, false},
        {"referendum", {"parliamentary"}, false, false},
        {"president", {"japarov", "tolbaev"}, false, false},
        {"referendum", {"presidential", "parliamentary"}, false, false},
        {"president", {"japarov"}, false, false},
        {"referendum", {"against-both"}, false, false},
        {"referendum", {}, false, false},
        {"president", {}, false, true},
        {"referendum", {"presidential"}, false, false},
        {"referendum", {}, false, true},
        {"president", {"tolbaev"}, false, false},
        {"referendum", {"parliamentary"}, false, false},
        {"referendum", {"presidential", "against-both"}, false, false},
        {"referendum", {"presidential"}, false, false},
    };
    std::set<std::string> distinct;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      DeckSheet& sheet = deck_.emplace_back();
      sheet.image = testing::PrintedSheet(election_, specs[i].style, kPrecinct, specs[i].options,
                                          CROSS, specs[i].test, 100 + i);
      sheet.style = specs[i].style;
      // Printed ballots alike (two blanks) differ by a speck of dust in the corner, as paper does.
      if (sheet.image.pixels.size() > i) sheet.image.pixels[i] ^= 1;
      sheet.pixels_sha256 = ToHex(Sha256(sheet.image.pixels));
      sheet.test = specs[i].test;
      sheet.insist = specs[i].insist;
      sheet.should_cast = specs[i].options.size() == 1 || specs[i].insist;
      distinct.insert(sheet.pixels_sha256);
      if (sheet.test) ++test_sheets_;
    }
    ASSERT_EQ(distinct.size(), deck_.size()) << "two sheets of the deck print the same";
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    std::filesystem::remove(world_file_);
  }

  // The child: resumes the election day wherever the store and the paper are, to its end.
  [[noreturn]] void RunDay() {
    std::vector<SheetImage> images;
    for (const DeckSheet& sheet : deck_) images.push_back(sheet.image);
    SimulatedReaderOptions options;
    options.state_file = world_file_;
    options.voter_feeds_again = [this](std::size_t index) { return deck_[index].should_cast; };
    absl::StatusOr<std::unique_ptr<SimulatedReader>> reader =
        SimulatedReader::Create(std::move(images), std::move(options));
    if (!reader.ok()) Die(reader.status());
    FixedClock clock(1'610'265'600);
    g_phase = "restart";
    absl::StatusOr<std::unique_ptr<Precinct>> opened =
        Precinct::Open({election_, kPrecinct, dir_, std::nullopt}, **reader, clock);
    if (!opened.ok()) Die(opened.status());
    Precinct& p = **opened;
    SimulatedReader& r = **reader;
    for (int step = 0; step < 1000; ++step) {
      absl::Status s;
      switch (p.state()) {
        case PollState::kSetup:
          g_phase = "test";
          s = p.StartTest();
          break;
        case PollState::kTesting:
          s = r.sheets_fed() < test_sheets_ || r.sheets_waiting() > 0 ? Feed(p, r) : p.FinishTest();
          break;
        case PollState::kReady:
          g_phase = "open-polls";
          s = p.OpenPolls().status();
          break;
        case PollState::kOpen:
          g_phase = "voting";
          if (r.sheets_fed() < deck_.size() || r.sheets_waiting() > 0) {
            s = Feed(p, r);
          } else {
            g_phase = kClosePhase;
            s = p.ClosePolls();
          }
          break;
        default:
          g_phase = "results";
          s = p.ResultsReport().status();
          if (s.ok()) {
            const std::string line = "ended " + std::to_string(g_points) + "\n";
            (void)!::write(g_site_fd, line.data(), line.size());
            ::_exit(0);
          }
      }
      if (!s.ok()) {
        if (fault::StorageFaultsInjected() > 0) StopOnStorageFault(p, r);
        Die(s);
      }
    }
    Die(absl::InternalError("the election day did not end"));
  }

  // The storage failed under the day's work: the reader must refuse the next sheet without
  // moving paper, hand back a sheet it holds, and say so; then the child stops, as esepd waits
  // for the technician.
  [[noreturn]] void StopOnStorageFault(Precinct& p, SimulatedReader& r) {
    const std::size_t fed = r.sheets_fed();
    (void)p.SettleAfterReaderFault();
    if (AcceptsLiveBallots(p.state()) || AcceptsTestBallots(p.state())) {
      if (p.FeedSheet().ok() || r.sheets_fed() != fed) ::_exit(kPaperTakenAfterFault);
    }
    if (p.storage_fault().ok() || r.device().state() == reader::HOLDING) {
      ::_exit(kPaperTakenAfterFault);  // the fault went unnoticed, or a sheet is left held
    }
    ::_exit(kStoppedByStorageFault);
  }

  absl::Status Feed(Precinct& p, SimulatedReader& r) {
    absl::StatusOr<SheetResult> result = p.FeedSheet();
    if (!result.ok()) return result.status();
    if (result->outcome != SheetOutcome::kAwaitingVoter) return absl::OkStatus();
    const std::optional<std::size_t> held = r.world().in_reader;
    if (!held)
      return absl::InternalError("a sheet is held for the voter but none is in the reader");
    return p.VoterChoice(deck_[*held].insist).status();
  }

  [[noreturn]] static void Die(const absl::Status& status) {
    // A restart on failing storage may be refused; that is the reader stopping, as it must.
    if (fault::StorageFaultsInjected() > 0) ::_exit(kStoppedByStorageFault);
    std::cerr << "election day failed: " << status << std::endl;
    ::_exit(20);
  }

  struct ChildEnd {
    bool ended = false;  // the day ended; otherwise it was killed or stopped by the fault
    bool failed = false;
    bool stopped = false;  // stopped on the storage fault
    std::string site;      // where it was killed; "random" for a timed kill
    std::string phase;     // of the day, when killed at a crash point
    int points = 0;        // crash points an ended day passed
  };

  // Runs the day in a child killed at crash point `kill_at` (0: none; counted within
  // `target_phase` when set, after the restart when `skip_restart`) or after `delay_us` (0: none).
  ChildEnd RunChild(int kill_at, int delay_us, const char* target_phase = nullptr,
                    bool skip_restart = false,
                    fault::StorageFault fault = fault::StorageFault::kNone,
                    std::int64_t fault_budget = 0) {
    int pipe_fds[2];
    EXPECT_EQ(::pipe(pipe_fds), 0);
    const pid_t child = ::fork();
    if (child == 0) {
      ::close(pipe_fds[0]);
      g_kill_at = kill_at;
      g_points = 0;
      g_site_fd = pipe_fds[1];
      g_target_phase = target_phase;
      g_skip_restart = skip_restart;
      g_fault = fault;
      g_fault_budget = fault_budget;
      g_fault_dir = dir_.string();
      SetCrashHook(&KillAtChosenPoint);
      RunDay();
    }
    ::close(pipe_fds[1]);
    if (delay_us > 0) {
      ::usleep(static_cast<useconds_t>(delay_us));
      ::kill(child, SIGKILL);
    }
    std::string said;
    char buffer[128];
    for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) said.append(buffer, n);
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    if (!said.empty() && said.back() == '\n') said.pop_back();
    ChildEnd end;
    if (WIFEXITED(status) && WEXITSTATUS(status) == kStoppedByStorageFault) {
      end.stopped = true;
      const std::size_t space = said.find(' ');
      end.site = said.substr(0, space);
      end.phase = space == std::string::npos ? "" : said.substr(space + 1);
      end.failed = said.empty();
      return end;
    }
    // A fault armed that the rest of the day never ran into leaves its site before "ended".
    if (const std::size_t last = said.rfind('\n'); last != std::string::npos) {
      said = said.substr(last + 1);
    }
    if (WIFEXITED(status)) {
      EXPECT_NE(WEXITSTATUS(status), kPaperTakenAfterFault)
          << "the reader took or kept paper after the storage failed";
      end.failed = WEXITSTATUS(status) != 0 || !said.starts_with("ended ");
      if (end.failed) {
        std::cerr << "the child exited with status " << WEXITSTATUS(status) << " after \"" << said
                  << "\"\n";
      }
      end.ended = !end.failed;
      if (end.ended) end.points = std::atoi(said.c_str() + 6);
      return end;
    }
    end.failed = !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL;
    const std::size_t space = said.find(' ');
    end.site = said.empty() ? "random" : said.substr(0, space);
    end.phase = space == std::string::npos ? "" : said.substr(space + 1);
    return end;
  }

  void StartOver() {
    std::filesystem::remove_all(dir_);
    std::filesystem::remove(world_file_);
  }

  // The deck index of the sheet a stored image shows, after reading it as the interpreter does
  // and checking the record says the same.
  std::optional<std::size_t> CheckRecord(const BallotStore& store, const CastVoteRecord& record) {
    // LoadImage checks the bytes against their hash, so an image read once need not be decoded
    // and interpreted again.
    absl::StatusOr<std::string> png = store.LoadImage(record.image_sha256());
    EXPECT_TRUE(png.ok()) << "the image of a counted ballot is lost: " << png.status();
    if (!png.ok()) return std::nullopt;
    const std::string key = record.image_sha256() + (record.test() ? "/test" : "/live");
    auto read = readings_.find(key);
    if (read == readings_.end()) {
      const cv::Mat gray = cv::imdecode(
          cv::Mat(1, static_cast<int>(png->size()), CV_8UC1, png->data()), cv::IMREAD_GRAYSCALE);
      EXPECT_FALSE(gray.empty());
      if (gray.empty() || !gray.isContinuous()) return std::nullopt;
      const std::span<const std::uint8_t> pixels(gray.data, gray.total());
      Reading reading;
      const std::string sha = ToHex(Sha256(pixels));
      for (std::size_t i = 0; i < deck_.size(); ++i) {
        if (deck_[i].pixels_sha256 == sha) reading.sheet = i;
      }
      EXPECT_TRUE(reading.sheet) << "a counted image is none of the deck's sheets";
      const vision::GrayImage view{pixels, gray.cols, gray.rows, gray.cols};
      reading.interpretation = (record.test() ? *test_ : *live_).Interpret(view);
      read = readings_.emplace(key, std::move(reading)).first;
    }
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(read->second.interpretation,
                                                                   record.interpretation()))
        << "the record differs from the interpreter's reading of its stored image";
    return read->second.sheet;
  }

  // The invariants of the store and the paper as a crash left them (`finished`: after the day).
  void CheckStore(bool finished) {
    absl::StatusOr<std::unique_ptr<BallotStore>> store = BallotStore::OpenReadOnly(dir_);
    if (absl::IsNotFound(store.status()) && !finished) return;  // killed before it was made
    ASSERT_TRUE(store.ok()) << store.status();
    absl::StatusOr<SimulatedWorld> world = ReadSimulatedWorld(world_file_);
    std::multiset<std::size_t> box;
    if (world.ok()) box.insert(world->box.begin(), world->box.end());
    for (std::size_t index : box) EXPECT_EQ(box.count(index), 1u) << "sheet " << index;

    for (bool test : {false, true}) {
      absl::StatusOr<Tally> tally = (*store)->GetTally(test);
      absl::StatusOr<std::vector<CastVoteRecord>> records = (*store)->Records(test);
      ASSERT_TRUE(tally.ok() && records.ok());
      EXPECT_EQ(tally->ballots_cast, static_cast<std::int64_t>(records->size()));
      std::map<std::pair<std::string, std::string>, std::int64_t> recount;
      std::set<std::size_t> counted;
      for (const CastVoteRecord& record : *records) {
        std::optional<std::size_t> index = CheckRecord(**store, record);
        if (!index) continue;
        EXPECT_TRUE(counted.insert(*index).second) << "sheet " << *index << " counted twice";
        EXPECT_EQ(deck_[*index].test, test) << "sheet " << *index << " in the wrong tally";
        EXPECT_TRUE(deck_[*index].should_cast) << "sheet " << *index << " counted, not cast";
        EXPECT_EQ(box.count(*index), 1u) << "sheet " << *index << " counted, not in the box";
        EXPECT_EQ(record.style_id(), deck_[*index].style) << "sheet " << *index;
        const std::string key = record.image_sha256() + (test ? "/test" : "/live");
        for (const ContestReading& contest : readings_.at(key).interpretation.contests()) {
          if (contest.outcome() != VALID && contest.outcome() != UNDERVOTE) continue;
          for (const std::string& option : contest.selections()) {
            ++recount[{contest.contest_id(), option}];
          }
        }
      }
      EXPECT_EQ(recount, tally->votes) << "the tally is not the reading of the stored images";
      if (!finished) continue;
      std::set<std::size_t> expected;
      for (std::size_t i = 0; i < deck_.size(); ++i) {
        if (deck_[i].test == test && deck_[i].should_cast) expected.insert(i);
      }
      EXPECT_EQ(counted, expected) << (test ? "test" : "live") << " ballots lost or extra";
      // Each ballot kind counted apart: the reader's count of cast sheets of each kind.
      std::map<std::string, std::int64_t> per_style;
      for (std::size_t i : expected) ++per_style[deck_[i].style];
      EXPECT_EQ(tally->ballots_cast_by_style, per_style) << (test ? "test" : "live");
    }
    absl::StatusOr<std::vector<LogEvent>> events = (*store)->Events();
    ASSERT_TRUE(events.ok());
    EXPECT_TRUE(VerifyEventChain(*events).ok());
    if (finished) {
      EXPECT_EQ(*(*store)->GetSetting("poll_state"), PollStateName(PollState::kClosed));
      ASSERT_TRUE(world.ok());
      EXPECT_EQ(box.size(), world->box.size());
      std::set<std::size_t> should;
      for (std::size_t i = 0; i < deck_.size(); ++i) {
        if (deck_[i].should_cast) should.insert(i);
      }
      EXPECT_EQ(std::set<std::size_t>(box.begin(), box.end()), should);
    }
  }

  Election election_;
  std::vector<DeckSheet> deck_;
  std::size_t test_sheets_ = 0;
  std::filesystem::path dir_;
  std::filesystem::path world_file_;
  std::optional<vision::Interpreter> live_;
  std::optional<vision::Interpreter> test_;
  struct Reading {
    std::optional<std::size_t> sheet;  // of the deck
    Interpretation interpretation;
  };
  std::map<std::string, Reading> readings_;  // by image hash and tally
};

TEST_F(CrashInjectionTest, KillNineAnywhereLosesAndDoublesNoBallot) {
  // One undisturbed day: the results to reach and the number of crash points a day passes.
  const auto started = std::chrono::steady_clock::now();
  const ChildEnd clean = RunChild(0, 0);
  const auto day_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
  ASSERT_TRUE(clean.ended) << "the undisturbed election day failed";
  ASSERT_NO_FATAL_FAILURE(CheckStore(/*finished=*/true));
  ASSERT_GT(clean.points, 0);

  // Kills land a few crash points apart (about 25 per day), every eighth instead after a random
  // delay of up to a quarter of an undisturbed day, so every step of the day is hit many times,
  // and instants between crash points too. Three kills in four count no point of the restart
  // (recovery), so they land on the day's work rather than on its restarts. Every third day sweeps
  // the close of the polls instead: it runs undisturbed to the close, then dies at its first crash
  // point, restarts and dies at the second, and so on until the polls are closed.
  const int max_delay_us = static_cast<int>(std::max<std::int64_t>(1000, day_us / 4));
  const int wanted = KillsWanted();
  const int gap = std::max(2, clean.points / 25);
  std::mt19937_64 rng(20261123);
  std::map<std::string, int> sites;
  std::map<std::string, int> phases;
  int kills = 0;
  int days = 0;
  while (kills < wanted) {
    StartOver();
    ++days;
    const bool close_sweep = days % 3 == 0;
    for (int restarts = 0;; ++restarts) {
      ASSERT_LT(restarts, 2000) << "the election day makes no progress between kills";
      const bool timed = !close_sweep && kills % 8 == 7;
      const ChildEnd end = close_sweep ? RunChild(restarts + 1, 0, kClosePhase)
                           : timed     ? RunChild(0, 1 + static_cast<int>(rng() % max_delay_us))
                                   : RunChild(1 + static_cast<int>(rng() % (2 * gap)), 0, nullptr,
                                              /*skip_restart=*/kills % 4 != 0);
      ASSERT_FALSE(end.failed) << "the election day failed after " << kills << " kills";
      if (end.ended) {
        ASSERT_NO_FATAL_FAILURE(CheckStore(/*finished=*/true));
        break;
      }
      ++kills;
      ++sites[end.site];  // "random" for a timed kill, not a site
      ++phases[end.phase.empty() ? "(timed)" : end.phase];
      ASSERT_NO_FATAL_FAILURE(CheckStore(/*finished=*/false));
      ASSERT_FALSE(HasFailure()) << "after kill " << kills << " at " << end.site;
    }
  }
  StartOver();
  std::cout << "crash injection: " << kills << " kills over " << days << " election days, "
            << sites.size() - sites.count("random") << " distinct crash sites, " << clean.points
            << " crash points per day\n";
  for (const auto& [site, count] : sites) std::cout << "  " << count << "  " << site << "\n";
  std::cout << "by phase of the day:\n";
  for (const auto& [phase, count] : phases) std::cout << "  " << count << "  " << phase << "\n";
  RecordProperty("kills", kills);
  RecordProperty("distinct_sites", static_cast<int>(sites.size() - sites.count("random")));
  EXPECT_GE(kills, wanted);
  EXPECT_GT(phases[kClosePhase], 0) << "no kill during the close of the polls";
}

TEST_F(CrashInjectionTest, StorageFaultsAnywhereLoseAndDoubleNoBallot) {
  const ChildEnd clean = RunChild(0, 0);
  ASSERT_TRUE(clean.ended) << "the undisturbed election day failed";
  ASSERT_GT(clean.points, 0);

  // At a crash point a few apart, the store's file system fails in one of three ways, with a
  // little room left: a full disk after a random number of bytes (up to a few images), a
  // read-only remount or I/O errors after a few more operations. The child goes on until the
  // reader notices, checks that it takes no more paper, and stops; the next start runs on
  // repaired storage.
  const fault::StorageFault modes[] = {fault::StorageFault::kFull, fault::StorageFault::kReadOnly,
                                       fault::StorageFault::kIoError};
  const int wanted = CountWanted("ESEP_STORAGE_FAULTS", kDefaultStorageFaults);
  const int gap = std::max(2, clean.points / 25);
  std::mt19937_64 rng(20261203);
  std::map<std::string, int> sites;
  std::map<std::string, int> phases;
  std::map<std::string, int> by_mode;
  int faults = 0;
  int days = 0;
  while (faults < wanted) {
    StartOver();
    ++days;
    ASSERT_LT(days, 20 * wanted) << "storage faults are never noticed";
    for (int restarts = 0;; ++restarts) {
      ASSERT_LT(restarts, 2000) << "the election day makes no progress between faults";
      const fault::StorageFault mode = modes[faults % 3];
      const std::int64_t budget = mode == fault::StorageFault::kFull
                                      ? static_cast<std::int64_t>(rng() % 150'000)
                                      : static_cast<std::int64_t>(rng() % 4);
      const ChildEnd end = RunChild(1 + static_cast<int>(rng() % (2 * gap)), 0, nullptr,
                                    /*skip_restart=*/faults % 4 != 0, mode, budget);
      ASSERT_FALSE(end.failed) << "the election day failed after " << faults << " faults";
      if (end.ended) {
        ASSERT_NO_FATAL_FAILURE(CheckStore(/*finished=*/true));
        break;
      }
      ASSERT_TRUE(end.stopped);
      ++faults;
      ++sites[end.site];
      ++phases[end.phase.empty() ? "(none)" : end.phase];
      ++by_mode[fault::StorageFaultName(mode)];
      ASSERT_NO_FATAL_FAILURE(CheckStore(/*finished=*/false));
      ASSERT_FALSE(HasFailure()) << "after fault " << faults << " at " << end.site;
    }
  }
  StartOver();
  std::cout << "storage faults: " << faults << " over " << days << " election days, "
            << sites.size() << " distinct sites\n";
  for (const auto& [mode, count] : by_mode) std::cout << "  " << count << "  " << mode << "\n";
  for (const auto& [site, count] : sites) std::cout << "  " << count << "  " << site << "\n";
  std::cout << "by phase of the day:\n";
  for (const auto& [phase, count] : phases) std::cout << "  " << count << "  " << phase << "\n";
  RecordProperty("storage_faults", faults);
  EXPECT_GE(faults, wanted);
  EXPECT_EQ(by_mode.size(), 3u);
}

}  // namespace
}  // namespace esep::scanner
