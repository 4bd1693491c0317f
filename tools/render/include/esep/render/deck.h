#ifndef ESEP_RENDER_DECK_H_
#define ESEP_RENDER_DECK_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/proto/deck.pb.h"
#include "esep/proto/election.pb.h"

namespace esep::render {

// Where a deck is read: the definition the reader is set up with, its precinct and whether it
// runs a logic-and-accuracy test.
struct DeckSetting {
  const Election* election = nullptr;
  std::string precinct_id;
  bool test_mode = false;
};

// The reading a ballot made by `spec` must get, worked out from how it was made, never by
// interpreting its image. `ballot_election` is the definition the ballot was printed from (the
// one `spec.election` names).
//
// Rejections, checked in this order: a foreign sheet (NOT_A_BALLOT_PAGE), no barcode
// (NO_BARCODE), another election or definition version (WRONG_ELECTION), a style the definition
// lacks (UNKNOWN_STYLE), another precinct (WRONG_PRECINCT), a test ballot while live or the
// reverse. A rejected ballot expects no targets nor contests, and is returned.
//
// Accepted ballots: per target, MARKED for a mark of any style but LIGHT, MARGINAL or MARKED for
// LIGHT only, EMPTY otherwise; per contest, every outcome the reading of the LIGHT marks can lead
// to (vote for N: none BLANK, fewer UNDERVOTE, N VALID, more OVERVOTE; an exclusive option with
// any other OVERVOTE). `selections` lists the options with a definite mark, in ballot order, when
// VALID or UNDERVOTE is allowed; a reading may add to them options with a LIGHT mark. The ballot
// is returned when an overvote is possible, when every contest can only be blank, or when some
// target may read as marginal.
absl::StatusOr<DeckBallot> ExpectReading(const DeckSetting& setting,
                                         const Election& ballot_election, const RenderSpec& spec);

// The decks this project keeps under fixtures/decks/, by kind: "clean", "degraded", "edge".
std::vector<std::string> DeckNames(std::string_view kind);

// Builds the manifest of one named deck (see DeckNames) from the fixture elections under
// `repo_root`. The result depends only on this code and those definitions.
absl::StatusOr<DeckManifest> GenerateDeck(std::string_view name, const std::string& repo_root);

// Protobuf JSON of a manifest: original field names, indented, a final newline.
absl::StatusOr<std::string> ManifestToJson(const DeckManifest& manifest);
absl::StatusOr<DeckManifest> ManifestFromJson(std::string_view json);
absl::StatusOr<DeckManifest> LoadManifest(const std::string& path);

// Writes `dir`/manifest.json (creating `dir`).
absl::Status WriteManifest(const DeckManifest& manifest, const std::string& dir);

// Renders every image of `manifest` into `dir` (creating it); elections are read from
// `repo_root`.
// `progress` (may be empty) is told after each image: done, total.
absl::Status BuildDeckImages(const DeckManifest& manifest, const std::string& repo_root,
                             const std::string& dir,
                             const std::function<void(std::size_t, std::size_t)>& progress = {});

}  // namespace esep::render

#endif  // ESEP_RENDER_DECK_H_
