#ifndef ESEP_TESTS_SCANNER_TEST_SHEETS_H_
#define ESEP_TESTS_SCANNER_TEST_SHEETS_H_

// Helpers shared by the daemon's tests: a per-test scratch directory and ballots printed by the
// renderer as the simulated reader's sheets.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "esep/render/spec.h"
#include "esep/scanner/reader_device.h"
#include "esep/text/sentence.h"
#include "scratch_directory.h"

namespace esep::scanner::testing {

using esep::testing::ScratchDirectory;

// A report of esepd's (zero, test, results) as the English text a technician reads.
inline absl::StatusOr<std::string> InEnglish(const absl::StatusOr<text::Lines>& report) {
  if (!report.ok()) return report.status();
  return text::SayLines(*report, nullptr, text::Language::kEnglish);
}

// One ballot of `style_id` at `precinct_id`, 200 dpi, with `options` marked in `mark_style`.
inline SheetImage PrintedSheet(const Election& election, const std::string& style_id,
                               const std::string& precinct_id,
                               const std::vector<std::string>& options, MarkStyle mark_style,
                               bool test, std::uint64_t seed) {
  RenderSpec spec;
  spec.set_style_id(style_id);
  spec.set_precinct_id(precinct_id);
  spec.set_test(test);
  spec.set_dpi(200);
  spec.set_seed(seed);
  if (!options.empty()) {
    MarkSpec* marks = spec.add_marks();
    for (const std::string& o : options) marks->add_options(o);
    marks->set_style(mark_style);
  }
  absl::StatusOr<cv::Mat> page = render::RenderFromSpec(spec, election);
  EXPECT_TRUE(page.ok()) << page.status();
  SheetImage sheet;
  if (!page.ok()) return sheet;
  sheet.width = static_cast<std::uint32_t>(page->cols);
  sheet.height = static_cast<std::uint32_t>(page->rows);
  sheet.pixels.assign(page->datastart, page->dataend);
  return sheet;
}

}  // namespace esep::scanner::testing

#endif  // ESEP_TESTS_SCANNER_TEST_SHEETS_H_
