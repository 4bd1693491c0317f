#ifndef ESEP_AUDIT_RLA_H_
#define ESEP_AUDIT_RLA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "esep/audit/bundle.h"

namespace esep::audit {

// Stark's gamma for the Kaplan–Markov ballot-comparison audit: the inflation of the error bound
// that keeps the audit valid when overstatements turn up (Stark 2010, "Super-simple
// simultaneous single-ballot risk-limiting audits").
inline constexpr double kDefaultGamma = 1.03905;
// Planning choices far outside the usual are refused rather than turned into absurd samples.
inline constexpr double kMaxGamma = 10;
// No contest of any election needs more draws than this; a larger sample means a hand count.
inline constexpr std::int64_t kMaxSampleSize = 10'000'000;

struct SampleSizeOptions {
  double risk_limit = 0.05;   // alpha, in (0, 1)
  double diluted_margin = 0;  // (winner - runner-up) / ballots cast, in (0, 1]
  double gamma = kDefaultGamma;
  // Expected rates of one-vote and two-vote overstatements per ballot (0 plans for none).
  double one_vote_overstatement_rate = 0;
  double two_vote_overstatement_rate = 0;
};

// Refuses options out of range (NaN and infinities included): risk limit in (0, 1), diluted
// margin in (0, 1], gamma in (1, kMaxGamma], expected overstatement rates in [0, 1). The
// message names the value and the range.
absl::Status CheckSampleSizeOptions(const SampleSizeOptions& options);

// The initial sample size of a ballot-comparison audit (super-simple / Kaplan–Markov):
//   n = ceil( -ln(alpha) / ( mu/(2 gamma) + r1 ln(1 - 1/(2 gamma)) + r2 ln(1 - 1/gamma) ) )
// with mu the diluted margin and r1, r2 the expected overstatement rates. With r1 = r2 = 0 it
// is n = ceil(2 gamma ln(1/alpha) / mu). Fails when the inputs are out of range
// (CheckSampleSizeOptions), when the expected errors leave no margin to confirm, or when the
// sample would exceed kMaxSampleSize.
absl::StatusOr<std::int64_t> BallotComparisonSampleSize(const SampleSizeOptions& options);

// When `sample_size` draws are not fewer than the `ballots` to draw from, sampling saves no work:
// the sentence telling the auditors to count every ballot by hand instead; empty otherwise.
std::string FullHandCountAdvice(std::int64_t sample_size, std::int64_t ballots);

// Rivest's SHA-256 sampler (sampler.py): draw i (1-based) picks ballot
//   (SHA-256(seed + "," + i) read as a 256-bit big-endian integer) mod N + 1,
// so anyone with the public seed reproduces the sample. Returns `draws` positions in [1, N],
// with replacement, in draw order.
std::vector<std::int64_t> SampleBallots(const std::string& seed, std::int64_t ballots,
                                        std::int64_t draws);

// One line of the ballot manifest: a position 1..N and the stored ballot it names.
struct ManifestEntry {
  std::int64_t position = 0;
  std::string precinct_id;
  std::string record_id;
  std::string batch_id;
  std::string image_sha256;
  std::string image_path;  // inside its bundle
};

// The live ballots of the bundles, in bundle order and then record id: position 1..N.
std::vector<ManifestEntry> BallotManifest(const std::vector<Bundle>& bundles);
// As CSV with a header line.
std::string BallotManifestCsv(const std::vector<ManifestEntry>& manifest);

// The diluted margin of a contest over the bundles' stored records: (first - second) / ballots.
absl::StatusOr<double> DilutedMargin(const std::vector<Bundle>& bundles,
                                     const std::string& contest_id);

}  // namespace esep::audit

#endif  // ESEP_AUDIT_RLA_H_
