#ifndef ESEP_AUDIT_DISCREPANCY_H_
#define ESEP_AUDIT_DISCREPANCY_H_

#include <string>
#include <vector>

namespace esep::audit {

// One thing in a bundle that replay could not confirm. Printed one per line, in a fixed order,
// so two audits of the same bundle print the same lines.
struct Discrepancy {
  std::string kind;     // manifest, image, record, missing-image, event-log, protocol, tally
  std::string subject;  // the file, record id, event sequence or protocol line concerned
  std::string detail;   // a sentence for the auditor

  std::string Line() const;  // "KIND SUBJECT: DETAIL"
  bool operator==(const Discrepancy&) const = default;
};

// Sorts by (kind, subject, detail) and drops exact repeats.
void SortDiscrepancies(std::vector<Discrepancy>& discrepancies);

}  // namespace esep::audit

#endif  // ESEP_AUDIT_DISCREPANCY_H_
