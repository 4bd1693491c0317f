// esep audit: ballot-comparison risk-limiting audit sampling and hand-count reconciliation over
// export bundles.
#include <cmath>
#include <iostream>
#include <set>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "command_line.h"
#include "commands.h"
#include "esep/audit/bundle.h"
#include "esep/audit/json.h"
#include "esep/audit/reconcile.h"
#include "esep/audit/rla.h"

namespace esep::cli {
namespace {

constexpr char kUsage[] =
    "usage: esep audit sample --seed SEED (--margin M | --contest C) [--risk-limit A]\n"
    "                         [--gamma G] [--o1 RATE] [--o2 RATE] [--manifest-out FILE]\n"
    "                         BUNDLE...\n"
    "       esep audit reconcile --hand COUNT.csv|COUNT.json BUNDLE...\n"
    "sample: the ballot manifest of the bundles' live ballots, the ballot-comparison sample\n"
    "  size for risk limit A (default 0.05) at diluted margin M (or contest C's margin in the\n"
    "  bundles), and the ballots drawn with Rivest's SHA-256 sampler from the public SEED:\n"
    "  which stored images to pull.\n"
    "reconcile: the hand count (precinct,contest,option,count) against the bundles' records;\n"
    "  prints every difference. Exit status 1 when there is one.\n";

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

}  // namespace

int RunAuditCommand(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"seed", true, "sample: the public random seed (e.g. from dice rolled in public)"},
      {"margin", true, "sample: the diluted margin, (winner - runner-up) / ballots, in (0, 1]"},
      {"contest", true, "sample: compute the diluted margin of this contest from the bundles"},
      {"risk-limit", true, "sample: the risk limit alpha, in (0, 1) (default 0.05)"},
      {"gamma", true, "sample: Stark's error inflation, in (1, 10] (default 1.03905)"},
      {"o1", true, "sample: expected rate of one-vote overstatements, in [0, 1) (default 0)"},
      {"o2", true, "sample: expected rate of two-vote overstatements, in [0, 1) (default 0)"},
      {"manifest-out", true, "sample: write the ballot manifest (CSV) here"},
      {"hand", true, "reconcile: the hand count, CSV or JSON"},
      {"help", false, "print this help"}};
  absl::StatusOr<CommandLine> cl =
      ParseWithAction(args, specs, {"sample", "reconcile"}, /*more_arguments=*/true);
  if (!cl.ok() || cl->Has("help")) {
    return UsageExit("esep audit", cl, kUsage, specs);
  }
  return cl->positional()[0] == "sample" ? Sample(*cl) : Reconcile(*cl);
}

}  // namespace esep::cli
