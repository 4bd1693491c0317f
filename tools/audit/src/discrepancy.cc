#include "esep/audit/discrepancy.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace esep::audit {

std::string Discrepancy::Line() const { return absl::StrCat(kind, " ", subject, ": ", detail); }

void SortDiscrepancies(std::vector<Discrepancy>& discrepancies) {
  const auto key = [](const Discrepancy& d) { return std::tie(d.kind, d.subject, d.detail); };
  std::sort(discrepancies.begin(), discrepancies.end(),
            [&](const Discrepancy& a, const Discrepancy& b) { return key(a) < key(b); });
  discrepancies.erase(std::unique(discrepancies.begin(), discrepancies.end()), discrepancies.end());
}

}  // namespace esep::audit
