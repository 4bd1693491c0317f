// esep audit: ballot-comparison risk-limiting audit sampling and hand-count reconciliation over
// export bundles.
#include <cmath>
#include <iostream>
#include <set>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "command_line.h"
#include "commands.h"
#include "esep/audit/bundle.h"
#include "esep/audit/json.h"
#include "esep/audit/paper_audit.h"
#include "esep/audit/reconcile.h"
#include "esep/audit/rla.h"

namespace esep::cli {
namespace {

constexpr char kUsage[] =
    "usage: esep audit sample --seed SEED (--margin M | --contest C) [--risk-limit A]\n"
    "                         [--gamma G] [--o1 RATE] [--o2 RATE] [--manifest-out FILE]\n"
    "                         BUNDLE...\n"
    "       esep audit reconcile --hand COUNT.csv|COUNT.json BUNDLE...\n"
    "       esep audit bravo --seed SEED --contest C [--risk-limit A] [--draws N]\n"
    "                        [--pulled PULLED.csv] BUNDLE...\n"
    "       esep audit batches --seed SEED --contest C [--risk-limit A] [--extra-draws N]\n"
    "                          [--hand COUNT.csv|COUNT.json] BUNDLE...\n"
    "sample: the ballot manifest of the bundles' live ballots, the ballot-comparison sample\n"
    "  size for risk limit A (default 0.05) at diluted margin M (or contest C's margin in the\n"
    "  bundles), and the ballots drawn with Rivest's SHA-256 sampler from the public SEED:\n"
    "  which stored images to pull.\n"
    "reconcile: the hand count (precinct,contest,option,count) against the bundles' records;\n"
    "  prints every difference. Exit status 1 when there is one.\n"
    "bravo: ballot-polling audit with paper alone: which sheets to pull from each box's counted\n"
    "  stack (by position), and with --pulled the auditors' reading of them: CONFIRMED (exit 0)\n"
    "  or pull more (exit 1).\n"
    "batches: batch comparison, box by box: which boxes to count by hand, and with --hand the\n"
    "  counts of those boxes against the machine's: CONFIRMED (exit 0) or count more (exit 1).\n";

int Fail(const absl::Status& status) {
  std::cerr << "esep audit: " << status.message() << "\n";
  return kExitUsage;
}

absl::StatusOr<double> GetDouble(const CommandLine& cl, const std::string& name, double fallback) {
  const std::optional<std::string> text = cl.Get(name);
  if (!text) return fallback;
  double value = 0;
  if (!absl::SimpleAtod(*text, &value) || !std::isfinite(value)) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a number, not ", *text));
  }
  return value;
}

absl::StatusOr<std::vector<audit::Bundle>> ReadBundles(const std::vector<std::string>& paths) {
  std::vector<audit::Bundle> bundles;
  for (std::size_t i = 1; i < paths.size(); ++i) {
    absl::StatusOr<audit::Bundle> b = audit::ReadBundle(paths[i]);
    if (!b.ok()) return b.status();
    bundles.push_back(*std::move(b));
  }
  if (bundles.empty()) return absl::InvalidArgumentError("give at least one bundle");
  return bundles;
}

int Sample(const CommandLine& cl) {
  absl::StatusOr<std::string> seed = cl.Require("seed");
  if (!seed.ok()) return Fail(seed.status());
  audit::SampleSizeOptions options;
  for (const auto& [name, field, fallback] :
       {std::tuple{"risk-limit", &options.risk_limit, 0.05},
        std::tuple{"gamma", &options.gamma, audit::kDefaultGamma},
        std::tuple{"o1", &options.one_vote_overstatement_rate, 0.0},
        std::tuple{"o2", &options.two_vote_overstatement_rate, 0.0},
        std::tuple{"margin", &options.diluted_margin, 1.0}}) {
    absl::StatusOr<double> v = GetDouble(cl, name, fallback);
    if (!v.ok()) return Fail(v.status());
    *field = *v;
  }
  if (cl.Has("margin") == cl.Has("contest")) {
    return Fail(absl::InvalidArgumentError("give either --margin or --contest"));
  }
  // The flags are checked before any bundle is read; with --contest the margin comes later.
  if (absl::Status s = audit::CheckSampleSizeOptions(options); !s.ok()) return Fail(s);
  absl::StatusOr<std::vector<audit::Bundle>> bundles = ReadBundles(cl.positional());
  if (!bundles.ok()) return Fail(bundles.status());
  if (cl.Has("contest")) {
    absl::StatusOr<double> m = audit::DilutedMargin(*bundles, *cl.Get("contest"));
    if (!m.ok()) return Fail(m.status());
    options.diluted_margin = *m;
  }
  absl::StatusOr<std::int64_t> size = audit::BallotComparisonSampleSize(options);
  if (!size.ok()) return Fail(size.status());
  const std::vector<audit::ManifestEntry> manifest = audit::BallotManifest(*bundles);
  if (std::optional<std::string> out = cl.Get("manifest-out")) {
    if (absl::Status s = audit::WriteFileBytes(*out, audit::BallotManifestCsv(manifest)); !s.ok()) {
      return Fail(s);
    }
  }
  std::cout << "ballots in the manifest: " << manifest.size() << "\n"
            << absl::StrFormat("diluted margin: %.6f\nrisk limit: %g, gamma %g\n",
                               options.diluted_margin, options.risk_limit, options.gamma)
            << "sample size: " << *size << "\nseed: " << *seed << "\n";
  if (manifest.empty()) return Fail(absl::FailedPreconditionError("no live ballots to sample"));
  const std::vector<std::int64_t> draws =
      audit::SampleBallots(*seed, static_cast<std::int64_t>(manifest.size()), *size);
  std::cout << "draw,position,precinct_id,record_id,image_path\n";
  std::set<std::int64_t> distinct;
  for (std::size_t i = 0; i < draws.size(); ++i) {
    const audit::ManifestEntry& e = manifest[static_cast<std::size_t>(draws[i] - 1)];
    distinct.insert(draws[i]);
    std::cout << i + 1 << "," << e.position << "," << e.precinct_id << "," << e.record_id << ","
              << e.image_path << "\n";
  }
  std::cout << "distinct ballots to pull: " << distinct.size() << "\n";
  if (const std::string advice =
          audit::FullHandCountAdvice(*size, static_cast<std::int64_t>(manifest.size()));
      !advice.empty()) {
    std::cout << advice << "\n";
  }
  return kExitOk;
}

int Reconcile(const CommandLine& cl) {
  absl::StatusOr<std::string> hand_file = cl.Require("hand");
  if (!hand_file.ok()) return Fail(hand_file.status());
  absl::StatusOr<std::string> text = audit::ReadFileBytes(*hand_file);
  if (!text.ok()) return Fail(text.status());
  absl::StatusOr<audit::CountTable> hand = audit::ParseHandCount(*text);
  if (!hand.ok()) return Fail(hand.status());
  absl::StatusOr<std::vector<audit::Bundle>> bundles = ReadBundles(cl.positional());
  if (!bundles.ok()) return Fail(bundles.status());
  if (absl::Status names = audit::CheckHandCountNames(*hand, *bundles); !names.ok()) {
    return Fail(names);
  }
  const std::vector<audit::CountDifference> differences =
      audit::Reconcile(audit::MachineCounts(*bundles), *hand);
  for (const audit::CountDifference& d : differences) std::cout << d.Line() << "\n";
  std::cout << (differences.empty() ? "hand count matches the machine count\n"
                                    : "hand count differs from the machine count\n");
  return differences.empty() ? kExitOk : kExitRejected;
}

absl::StatusOr<std::vector<std::string>> OptionIds(const std::vector<audit::ContestTally>& boxes) {
  std::vector<std::string> ids;
  for (const auto& [option, votes] : audit::SumOf(boxes).votes) ids.push_back(option);
  return ids;
}

// The seed, the contest's tally in each box and the risk limit, common to bravo and batches.
struct PaperAudit {
  std::string seed;
  std::string contest;
  double risk_limit = 0.05;
  std::vector<audit::ContestTally> boxes;
};

absl::StatusOr<PaperAudit> ReadPaperAudit(const CommandLine& cl) {
  PaperAudit a;
  absl::StatusOr<std::string> seed = cl.Require("seed");
  if (!seed.ok()) return seed.status();
  absl::StatusOr<std::string> contest = cl.Require("contest");
  if (!contest.ok()) return contest.status();
  absl::StatusOr<double> risk = GetDouble(cl, "risk-limit", 0.05);
  if (!risk.ok()) return risk.status();
  a.seed = *seed;
  a.contest = *contest;
  a.risk_limit = *risk;
  absl::StatusOr<std::vector<audit::Bundle>> bundles = ReadBundles(cl.positional());
  if (!bundles.ok()) return bundles.status();
  absl::StatusOr<std::vector<audit::ContestTally>> boxes =
      audit::ContestTallies(*bundles, a.contest);
  if (!boxes.ok()) return boxes.status();
  a.boxes = *std::move(boxes);
  return a;
}

absl::StatusOr<std::int64_t> GetCount(const CommandLine& cl, const std::string& name,
                                      std::int64_t fallback) {
  const std::optional<std::string> text = cl.Get(name);
  if (!text) return fallback;
  std::int64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value) || value < 0 || value > audit::kMaxSampleSize) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a whole number from 0 to ",
                                                   audit::kMaxSampleSize, ", not ", *text));
  }
  return value;
}

int Bravo(const CommandLine& cl) {
  absl::StatusOr<PaperAudit> a = ReadPaperAudit(cl);
  if (!a.ok()) return Fail(a.status());
  const audit::ContestTally reported = audit::SumOf(a->boxes);
  absl::StatusOr<audit::BravoPlan> plan = audit::PlanBravo(reported, a->risk_limit);
  if (!plan.ok()) return Fail(plan.status());
  std::cout << "contest " << a->contest << ": reported winner " << plan->winner << ", "
            << reported.ballots << " ballots in " << a->boxes.size() << " box(es)\n";
  for (const auto& [loser, asn] : plan->average_sample_number) {
    std::cout << absl::StrFormat("  against %s: %d votes to %d, expected draws %.0f\n", loser,
                                 reported.votes.at(plan->winner), reported.votes.at(loser), asn);
  }
  std::cout << "risk limit: " << a->risk_limit << "\nseed: " << a->seed << "\n";
  if (!cl.Has("pulled")) {
    absl::StatusOr<std::int64_t> draws = GetCount(cl, "draws", plan->initial_draws);
    if (!draws.ok()) return Fail(draws.status());
    std::cout << "sheets to pull: " << *draws
              << " (count each box's stack of this ballot from the top; a position drawn twice "
                 "is read twice)\n"
              << "draw,precinct,position,vote\n";
    for (const audit::StackPosition& p : audit::DrawStackPositions(a->seed, a->boxes, *draws)) {
      std::cout << p.draw << "," << p.precinct_id << "," << p.position << ",\n";
    }
    if (const std::string advice = audit::FullHandCountAdvice(*draws, reported.ballots);
        !advice.empty()) {
      std::cout << advice << "\n";
    }
    return kExitOk;
  }
  absl::StatusOr<std::string> text = audit::ReadFileBytes(*cl.Get("pulled"));
  if (!text.ok()) return Fail(text.status());
  absl::StatusOr<std::vector<audit::PulledSheet>> pulled = audit::ParsePulledSheets(*text);
  if (!pulled.ok()) return Fail(pulled.status());
  // The sheets must be the ones the seed names: a sheet chosen by hand proves nothing.
  const std::vector<audit::StackPosition> drawn =
      audit::DrawStackPositions(a->seed, a->boxes, static_cast<std::int64_t>(pulled->size()));
  std::vector<std::string> votes;
  for (std::size_t i = 0; i < pulled->size(); ++i) {
    const audit::StackPosition& got = (*pulled)[i].where;
    if (got.precinct_id != drawn[i].precinct_id || got.position != drawn[i].position) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "draw ", i + 1, " names box ", got.precinct_id, " sheet ", got.position,
          ", but the seed draws box ", drawn[i].precinct_id, " sheet ", drawn[i].position)));
    }
    votes.push_back((*pulled)[i].vote);
  }
  absl::StatusOr<std::vector<std::string>> options = OptionIds(a->boxes);
  absl::StatusOr<audit::BravoOutcome> outcome =
      audit::RunBravo(reported, a->risk_limit, votes, *options);
  if (!outcome.ok()) return Fail(outcome.status());
  for (const auto& [loser, t] : outcome->test_statistic) {
    std::cout << absl::StrFormat("  %s against %s: test statistic %.4g (confirms at %.4g)\n",
                                 plan->winner, loser, t, 1 / a->risk_limit);
  }
  if (outcome->confirmed) {
    std::cout << "CONFIRMED: the reported winner " << plan->winner << " is confirmed after "
              << outcome->draws_used << " draws at risk limit " << a->risk_limit << "\n";
    return kExitOk;
  }
  const std::int64_t next = std::max<std::int64_t>(2 * outcome->draws_used, plan->initial_draws);
  std::cout << "NOT CONFIRMED after " << outcome->draws_used << " draws: pull draws "
            << outcome->draws_used + 1 << " to " << next << " (esep audit bravo --draws " << next
            << "), or count every ballot by hand\n";
  return kExitRejected;
}

int Batches(const CommandLine& cl) {
  absl::StatusOr<PaperAudit> a = ReadPaperAudit(cl);
  if (!a.ok()) return Fail(a.status());
  absl::StatusOr<std::int64_t> extra = GetCount(cl, "extra-draws", 0);
  if (!extra.ok()) return Fail(extra.status());
  absl::StatusOr<audit::BatchPlan> plan =
      audit::PlanBatchComparison(a->boxes, a->risk_limit, a->seed, *extra);
  if (!plan.ok()) return Fail(plan.status());
  std::cout << "contest " << a->contest << ": reported winner " << plan->winner << "\n"
            << "box,ballots,winner_votes,error_bound\n";
  for (std::size_t p = 0; p < a->boxes.size(); ++p) {
    const audit::ContestTally& box = a->boxes[p];
    std::cout << absl::StrFormat("%s,%d,%d,%.6f\n", box.precinct_id, box.ballots,
                                 box.votes.at(plan->winner), plan->error_bound[p]);
  }
  std::cout << absl::StrFormat("total error bound U: %.6f\nrisk limit: %g\nseed: %s\n",
                               plan->total_error_bound, a->risk_limit, a->seed)
            << "draws: " << plan->draws << "\n";
  std::set<std::string> to_count;
  for (const std::int64_t p : plan->drawn_boxes) {
    to_count.insert(a->boxes[static_cast<std::size_t>(p)].precinct_id);
  }
  std::cout << "boxes to count by hand (" << to_count.size() << " of " << a->boxes.size()
            << "): " << absl::StrJoin(to_count, " ") << "\n";
  if (!cl.Has("hand")) return kExitOk;
  absl::StatusOr<std::string> text = audit::ReadFileBytes(*cl.Get("hand"));
  if (!text.ok()) return Fail(text.status());
  absl::StatusOr<audit::CountTable> hand = audit::ParseHandCount(*text);
  if (!hand.ok()) return Fail(hand.status());
  absl::StatusOr<audit::BatchOutcome> outcome =
      audit::CompareBatches(a->boxes, *plan, a->contest, *hand, a->risk_limit);
  if (!outcome.ok()) return Fail(outcome.status());
  for (std::size_t j = 0; j < plan->drawn_boxes.size(); ++j) {
    std::cout << "draw " << j + 1 << ": box "
              << a->boxes[static_cast<std::size_t>(plan->drawn_boxes[j])].precinct_id
              << ", margin overstated by " << outcome->overstatement_votes[j] << " vote(s)\n";
  }
  std::cout << absl::StrFormat("risk: %.4g (limit %g)\n", outcome->risk, a->risk_limit);
  if (outcome->confirmed) {
    std::cout << "CONFIRMED: the reported winner " << plan->winner << " is confirmed\n";
    return kExitOk;
  }
  std::cout << "NOT CONFIRMED: count more boxes (--extra-draws) or every box by hand\n";
  return kExitRejected;
}

}  // namespace

int RunAuditCommand(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"seed", true,
       "sample, bravo, batches: the public random seed (e.g. from dice rolled in public)"},
      {"margin", true, "sample: the diluted margin, (winner - runner-up) / ballots, in (0, 1]"},
      {"contest", true,
       "sample: compute the diluted margin of this contest; bravo, batches: the contest"},
      {"risk-limit", true, "sample: the risk limit alpha, in (0, 1) (default 0.05)"},
      {"gamma", true, "sample: Stark's error inflation, in (1, 10] (default 1.03905)"},
      {"o1", true, "sample: expected rate of one-vote overstatements, in [0, 1) (default 0)"},
      {"o2", true, "sample: expected rate of two-vote overstatements, in [0, 1) (default 0)"},
      {"manifest-out", true, "sample: write the ballot manifest (CSV) here"},
      {"hand", true, "reconcile, batches: the hand count, CSV or JSON"},
      {"pulled", true, "bravo: the pulled sheets as read (draw,precinct,position,vote)"},
      {"draws", true, "bravo: how many sheets to draw (default: the expected number)"},
      {"extra-draws", true, "batches: boxes to draw beyond the plan, after a failed comparison"},
      {"help", false, "print this help"}};
  absl::StatusOr<CommandLine> cl =
      ParseWithAction(args, specs, {"sample", "reconcile", "bravo", "batches"},
                      /*more_arguments=*/true);
  if (!cl.ok() || cl->Has("help")) {
    return UsageExit("esep audit", cl, kUsage, specs);
  }
  const std::string& action = cl->positional()[0];
  if (action == "sample") return Sample(*cl);
  if (action == "bravo") return Bravo(*cl);
  if (action == "batches") return Batches(*cl);
  return Reconcile(*cl);
}

}  // namespace esep::cli
