#ifndef ESEP_AUDIT_PAPER_AUDIT_H_
#define ESEP_AUDIT_PAPER_AUDIT_H_

// Risk-limiting audits that need nothing but the paper in the boxes. Ballot secrecy forbids
// linking a sheet to its record, so these never pull "the ballot of record R": a ballot-polling
// audit (BRAVO) pulls sheets by their position in a box's counted stack and reads them, and a
// batch-comparison audit counts whole boxes by hand and compares them with the machine's counts.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "esep/audit/bundle.h"
#include "esep/audit/reconcile.h"

namespace esep::audit {

// One contest's reported votes in one box (a bundle: one precinct's reader) or summed.
struct ContestTally {
  std::string precinct_id;   // empty for a sum over boxes
  std::int64_t ballots = 0;  // live ballots that carry the contest: the box's stack of that kind
  std::map<std::string, std::int64_t> votes;  // option id -> votes (every option of the contest)
};

// The contest's tally in each bundle, in bundle order. Refuses a contest on no bundle's ballot
// (naming the contests there are) and one that allows more than one choice per ballot.
absl::StatusOr<std::vector<ContestTally>> ContestTallies(const std::vector<Bundle>& bundles,
                                                         const std::string& contest_id);
ContestTally SumOf(const std::vector<ContestTally>& boxes);

// The reported winner: the option with the most votes. Refuses a tie for the lead (no audit can
// confirm it: count by hand).
absl::StatusOr<std::string> ReportedWinner(const ContestTally& tally);

// A position in the counted stacks: box `precinct_id`, sheet `position` (1 = the top sheet of
// the stack of this ballot kind, as the commission counted it).
struct StackPosition {
  std::int64_t draw = 0;
  std::string precinct_id;
  std::int64_t position = 0;
};

// Draws 1..draws over the stacks of `boxes` laid end to end, with Rivest's sampler (rla.h): the
// same seed always names the same sheets.
std::vector<StackPosition> DrawStackPositions(const std::string& seed,
                                              const std::vector<ContestTally>& boxes,
                                              std::int64_t draws);

// BRAVO (Lindeman, Stark & Yates 2012) for a contest with one choice per ballot.
struct BravoPlan {
  std::string winner;
  // Average sample number for each reported loser: the draws the audit is expected to need
  //   ASN = (ln(1/alpha) + ln(2 s)/2) / (p_w ln(2 s) + p_l ln(2 - 2 s)),  s = p_w / (p_w + p_l)
  // with p_w, p_l the winner's and the loser's shares of the ballots.
  std::map<std::string, double> average_sample_number;
  std::int64_t initial_draws = 0;  // ceil of the largest ASN
  std::int64_t ballots = 0;
};
absl::StatusOr<BravoPlan> PlanBravo(const ContestTally& reported, double risk_limit);

// What a pulled sheet shows for the contest: an option id, or kNoVote (blank, overvoted, spoilt,
// or another contest's sheet).
inline constexpr char kNoVote[] = "-";

struct BravoOutcome {
  bool confirmed = false;
  std::int64_t draws_used = 0;  // up to and including the draw that confirmed, else all
  // Wald's likelihood ratio of the winner against each loser after draws_used draws.
  std::map<std::string, double> test_statistic;
};
// Runs the sequential test over the sheets read, in draw order: for each loser l the statistic
// is multiplied by 2s for a sheet for the winner and by 2(1-s) for a sheet for l; the outcome is
// confirmed at the first draw where every statistic reaches 1/alpha. `read` holds option ids of
// the contest or kNoVote; anything else is refused with its draw number.
// One line of the auditors' record of pulled sheets: "draw,precinct,position,vote" (the form
// `esep audit bravo` prints, with the vote filled in).
struct PulledSheet {
  StackPosition where;
  std::string vote;
};
// Reads the record (a header line "draw,precinct,position,vote" first, then one line per draw,
// draws 1, 2, ... in order). Errors name the line.
absl::StatusOr<std::vector<PulledSheet>> ParsePulledSheets(const std::string& text);

absl::StatusOr<BravoOutcome> RunBravo(const ContestTally& reported, double risk_limit,
                                      const std::vector<std::string>& read,
                                      const std::vector<std::string>& option_ids);

// Batch comparison, box by box (Kaplan–Markov with sampling proportional to the error bound,
// Stark 2009): box p can overstate the winner's margin over loser l by at most
//   u_p = max_l (v_pw - v_pl + b_p) / V_wl
// (V_wl the reported margin in votes, b_p the box's ballots); boxes are drawn with probability
// u_p / U, U = sum of u_p, and the risk after boxes with taints t_j = e_j / u_j is
//   P = prod_j (1 - 1/U) / (1 - t_j).
struct BatchPlan {
  std::string winner;
  std::vector<double> error_bound;        // u_p, per box in bundle order
  double total_error_bound = 0;           // U
  std::int64_t draws = 0;                 // ceil(ln(alpha) / ln(1 - 1/U)): no error found
  std::vector<std::int64_t> drawn_boxes;  // 0-based box index of each draw
};
absl::StatusOr<BatchPlan> PlanBatchComparison(const std::vector<ContestTally>& boxes,
                                              double risk_limit, const std::string& seed,
                                              std::int64_t extra_draws = 0);

struct BatchOutcome {
  bool confirmed = false;
  double risk = 1;  // P
  // Per drawn box (in draw order): the largest overstatement of a margin, in votes (negative:
  // the hand count favours the winner more than the machine did).
  std::vector<std::int64_t> overstatement_votes;
};
// `hand` must count every option of the contest in every drawn box (precinct,contest,option,
// count, as for reconcile); a box it misses is refused by name.
absl::StatusOr<BatchOutcome> CompareBatches(const std::vector<ContestTally>& boxes,
                                            const BatchPlan& plan, const std::string& contest_id,
                                            const CountTable& hand, double risk_limit);

}  // namespace esep::audit

#endif  // ESEP_AUDIT_PAPER_AUDIT_H_
