#ifndef ESEP_RENDER_SPEC_H_
#define ESEP_RENDER_SPEC_H_

#include <opencv2/core.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "esep/proto/deck.pb.h"
#include "esep/proto/election.pb.h"

namespace esep::render {

// Makes the image a deck's RenderSpec describes: the printed ballot (or a foreign sheet when
// `blank_page`), its marks, stray marks, then damage. `election` is the definition the spec's
// `election` path names; it is both printed and hashed into the barcode.
absl::StatusOr<cv::Mat> RenderFromSpec(const RenderSpec& spec, const Election& election);

// As above, loading the definition from `repo_root`/`spec.election`.
absl::StatusOr<cv::Mat> RenderFromSpec(const RenderSpec& spec, const std::string& repo_root);

// `repo_root`/`relative` (or `relative` alone when the root is empty).
std::string RepoPath(const std::string& repo_root, const std::string& relative);

}  // namespace esep::render

#endif  // ESEP_RENDER_SPEC_H_
