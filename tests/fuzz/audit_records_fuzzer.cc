// Auditors type their records by hand: the pulled sheets of a ballot-polling audit and hand
// counts. Any text must give records or an error naming the line, and any records an outcome or
// an error, never a crash.
#include <cstdint>
#include <string>

#include "esep/audit/paper_audit.h"
#include "esep/audit/reconcile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  using esep::audit::ContestTally;
  const ContestTally reported{"", 100, {{"aibek", 60}, {"bermet", 40}}};
  if (absl::StatusOr<std::vector<esep::audit::PulledSheet>> sheets =
          esep::audit::ParsePulledSheets(text);
      sheets.ok()) {
    std::vector<std::string> votes;
    for (const esep::audit::PulledSheet& sheet : *sheets) votes.push_back(sheet.vote);
    (void)esep::audit::RunBravo(reported, 0.05, votes, {"aibek", "bermet"});
  }
  if (absl::StatusOr<esep::audit::CountTable> hand = esep::audit::ParseHandCount(text); hand.ok()) {
    const std::vector<ContestTally> boxes = {
        ContestTally{"1001", 100, {{"aibek", 60}, {"bermet", 40}}}};
    if (absl::StatusOr<esep::audit::BatchPlan> plan =
            esep::audit::PlanBatchComparison(boxes, 0.05, "seed");
        plan.ok()) {
      (void)esep::audit::CompareBatches(boxes, *plan, "mayor", *hand, 0.05);
    }
  }
  return 0;
}
