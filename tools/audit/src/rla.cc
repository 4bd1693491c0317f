#include "esep/audit/rla.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "esep/audit/replay.h"
#include "esep/proto/sha256.h"

namespace esep::audit {

absl::Status CheckSampleSizeOptions(const SampleSizeOptions& o) {
  // Written so that NaN fails every test.
  if (!(o.risk_limit > 0 && o.risk_limit < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the risk limit must be above 0 and below 1, e.g. 0.05, not ", o.risk_limit));
  }
  if (!(o.diluted_margin > 0 && o.diluted_margin <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the diluted margin must be above 0 and at most 1 (a tie cannot be confirmed by an "
        "audit), not ",
        o.diluted_margin));
  }
  if (!(o.gamma > 1 && o.gamma <= kMaxGamma)) {
    return absl::InvalidArgumentError(absl::StrCat("gamma must be above 1 and at most ", kMaxGamma,
                                                   " (", kDefaultGamma, " is usual), not ",
                                                   o.gamma));
  }
  for (const auto& [name, rate] : {std::pair{"one-vote", o.one_vote_overstatement_rate},
                                   std::pair{"two-vote", o.two_vote_overstatement_rate}}) {
    if (!(rate >= 0 && rate < 1)) {
      return absl::InvalidArgumentError(absl::StrCat("the expected rate of ", name,
                                                     " overstatements must be at least 0 and "
                                                     "below 1 (per ballot), not ",
                                                     rate));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::int64_t> BallotComparisonSampleSize(const SampleSizeOptions& o) {
  if (absl::Status s = CheckSampleSizeOptions(o); !s.ok()) return s;
  const double per_ballot = o.diluted_margin / (2 * o.gamma) +
                            o.one_vote_overstatement_rate * std::log(1 - 1 / (2 * o.gamma)) +
                            o.two_vote_overstatement_rate * std::log(1 - 1 / o.gamma);
  if (!(per_ballot > 0)) {
    return absl::InvalidArgumentError(
        "the expected overstatements use up the margin: no sample size confirms the outcome");
  }
  const double size = std::ceil(-std::log(o.risk_limit) / per_ballot);
  // Also refuses infinity, before the conversion to an integer could overflow.
  if (!(size <= static_cast<double>(kMaxSampleSize))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "at a diluted margin of ", o.diluted_margin, " the audit would need more than ",
        kMaxSampleSize, " ballots in its sample: count every ballot by hand instead"));
  }
  return static_cast<std::int64_t>(size);
}

std::vector<std::int64_t> SampleBallots(const std::string& seed, std::int64_t ballots,
                                        std::int64_t draws) {
  std::vector<std::int64_t> picks;
  if (ballots <= 0) return picks;
  // remainder * 256 stays below 2^64 for any N below 2^55, far above any election.
  const auto n = static_cast<std::uint64_t>(std::min<std::int64_t>(ballots, std::int64_t{1} << 55));
  for (std::int64_t i = 1; i <= draws; ++i) {
    const Sha256Digest digest = Sha256(absl::StrCat(seed, ",", i));
    std::uint64_t remainder = 0;
    for (const std::uint8_t byte : digest) remainder = (remainder * 256 + byte) % n;
    picks.push_back(static_cast<std::int64_t>(remainder) + 1);
  }
  return picks;
}

std::vector<ManifestEntry> BallotManifest(const std::vector<Bundle>& bundles) {
  std::vector<ManifestEntry> manifest;
  for (const Bundle& bundle : bundles) {
    for (const CastVoteRecord& r : bundle.records) {
      if (r.test()) continue;
      manifest.push_back({static_cast<std::int64_t>(manifest.size()) + 1, bundle.info.precinct_id,
                          r.record_id(), r.batch_id(), r.image_sha256(),
                          bundle.ImagePath(r.image_sha256()).string()});
    }
  }
  return manifest;
}

std::string BallotManifestCsv(const std::vector<ManifestEntry>& manifest) {
  std::string out = "position,precinct_id,record_id,batch_id,image_sha256,image_path\n";
  for (const ManifestEntry& e : manifest) {
    absl::StrAppend(&out, e.position, ",", e.precinct_id, ",", e.record_id, ",", e.batch_id, ",",
                    e.image_sha256, ",", e.image_path, "\n");
  }
  return out;
}

absl::StatusOr<double> DilutedMargin(const std::vector<Bundle>& bundles,
                                     const std::string& contest_id) {
  std::map<std::string, std::int64_t> votes;
  std::int64_t ballots = 0;
  for (const Bundle& bundle : bundles) {
    const scanner::Tally tally = TallyOf(bundle.records, false);
    ballots += tally.ballots_cast;
    for (const auto& [key, count] : tally.votes) {
      if (key.first == contest_id) votes[key.second] += count;
    }
  }
  if (ballots == 0) return absl::FailedPreconditionError("the bundles hold no live ballots");
  std::vector<std::int64_t> counts;
  for (const auto& [option, count] : votes) counts.push_back(count);
  if (counts.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no votes for contest ", contest_id, " in the bundles: check the contest id"));
  }
  std::sort(counts.rbegin(), counts.rend());
  const std::int64_t second = counts.size() > 1 ? counts[1] : 0;
  return static_cast<double>(counts[0] - second) / static_cast<double>(ballots);
}

std::string FullHandCountAdvice(std::int64_t sample_size, std::int64_t ballots) {
  if (sample_size < ballots) return "";
  return absl::StrCat("the sample (", sample_size, " draws) is not smaller than the ", ballots,
                      " ballots: count every ballot by hand instead (a full hand count, then "
                      "esep audit reconcile)");
}

}  // namespace esep::audit
