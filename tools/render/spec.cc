#include "esep/render/spec.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "esep/proto/election.h"
#include "esep/render/degrade.h"
#include "esep/render/marks.h"
#include "esep/render/random.h"
#include "esep/render/render.h"

namespace esep::render {

absl::StatusOr<cv::Mat> RenderFromSpec(const RenderSpec& spec, const Election& election) {
  const int dpi = static_cast<int>(spec.dpi());
  if (dpi < kMinDpi || dpi > kMaxDpi) {
    return absl::InvalidArgumentError(
        absl::StrCat("resolution must be from ", kMinDpi, " to ", kMaxDpi, " dpi, not ", dpi));
  }
  const BallotStyle* style = FindBallotStyle(election, spec.style_id());
  if (style == nullptr) {
    return absl::NotFoundError(absl::StrCat("election \"", election.id(),
                                            "\" has no ballot style \"", spec.style_id(), "\""));
  }
  absl::StatusOr<cv::Mat> page;
  if (spec.blank_page()) {
    if (spec.marks_size() > 0 || spec.stray_marks() > 0 || spec.stamps_size() > 0 ||
        spec.show_through_size() > 0) {
      return absl::InvalidArgumentError("a foreign sheet carries no marks");
    }
    page = RenderForeignPage(style->page_width_mm(), style->page_height_mm(), dpi);
    if (!page.ok()) return page.status();
  } else {
    BallotRenderRequest request;
    request.style_id = spec.style_id();
    request.precinct_id = spec.precinct_id();
    request.test = spec.test();
    request.dpi = dpi;
    request.no_barcode = spec.no_barcode();
    page = RenderBallot(election, request);
    if (!page.ok()) return page.status();
    const std::vector<MarkSpec> marks(spec.marks().begin(), spec.marks().end());
    if (absl::Status s = ApplyMarks(*page, election, *style, marks, dpi, MixSeed(spec.seed(), 1));
        !s.ok()) {
      return s;
    }
    const std::vector<std::string> behind(spec.show_through().begin(), spec.show_through().end());
    if (absl::Status s = ApplyShowThrough(*page, *style, behind, dpi, MixSeed(spec.seed(), 4));
        !s.ok()) {
      return s;
    }
    const std::vector<StampSpec> stamps(spec.stamps().begin(), spec.stamps().end());
    if (absl::Status s = ApplyStamps(*page, *style, stamps, dpi, MixSeed(spec.seed(), 5));
        !s.ok()) {
      return s;
    }
    if (absl::Status s = ApplyStrayMarks(*page, *style, static_cast<int>(spec.stray_marks()), dpi,
                                         MixSeed(spec.seed(), 2));
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = Degrade(*page, spec.degrade(), dpi, MixSeed(spec.seed(), 3)); !s.ok()) {
    return s;
  }
  return page;
}

absl::StatusOr<cv::Mat> RenderFromSpec(const RenderSpec& spec, const std::string& repo_root) {
  if (spec.election().empty()) return absl::InvalidArgumentError("the spec names no election");
  absl::StatusOr<Election> election = LoadElectionFile(RepoPath(repo_root, spec.election()));
  if (!election.ok()) return election.status();
  return RenderFromSpec(spec, *election);
}

std::string RepoPath(const std::string& repo_root, const std::string& relative) {
  if (repo_root.empty() || (!relative.empty() && relative.front() == '/')) return relative;
  return absl::StrCat(repo_root, repo_root.back() == '/' ? "" : "/", relative);
}

}  // namespace esep::render
