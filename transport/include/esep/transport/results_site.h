#ifndef ESEP_TRANSPORT_RESULTS_SITE_H_
#define ESEP_TRANSPORT_RESULTS_SITE_H_

// The public results site (docs/results-site.md): the tabulation centre writes the results as
// static files (HTML, CSS, JSON, the signed protocols, the observers' verifier) with a manifest
// of their SHA-256 signed by the centre's key, into a new generation directory, and then points
// the symlink `current` at it, so that any web server or mirror serves a whole publication or
// the previous one, never half of one. Every figure is checked before it is written; a
// publication that fails a check is refused as a whole and the previous site stays.

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/proto/election.pb.h"
#include "esep/text/catalog.h"
#include "esep/transport/aggregation.h"
#include "esep/transport/key_store.h"
#include "esep/transport/tabulation_store.h"

namespace esep::transport {

// The site's pages exist in every language, each in its folder ("ky", "ru", "en").
using SiteLanguage = text::Language;

// The text people read on the site, by its English msgid.
using SiteText = std::function<std::string(SiteLanguage, std::string_view msgid)>;
// The gettext catalogs of the `esep-site` domain (po/esep-site/), found as
// esep::text::Catalog::Load finds them; an error names where they were looked for.
absl::StatusOr<SiteText> SiteTextOfCatalogs();

// Everything one publication shows, read from the store once.
struct SiteModel {
  Results results;
  // The regions (the first digit of a precinct id names its region, docs/elections.md) and the
  // single-mandate districts (candidate contests served by some precincts only), counted
  // precincts only, as GroupTotals adds them.
  std::vector<UnitTotals> regions;
  std::vector<UnitTotals> districts;
  // Every stored revision of each precinct, oldest first, held ones included.
  std::map<std::string, std::vector<StoredProtocol>> history;
  // The readers' published public keys (hex) by precinct, revoked ones left out.
  std::map<std::string, std::vector<std::string>> reader_keys;
  std::int64_t generated_unix_seconds = 0;
};

// The region of a precinct: the first character of its id ("1" Bishkek ... "0" abroad).
std::string RegionOf(std::string_view precinct_id);
// The English msgid of a region's name ("Bishkek city"); "Region X" for an unknown digit.
std::string RegionMsgid(std::string_view region_id);

// Reads the store (ResultsOfStore, History, Readers) and adds the regions and districts.
absl::StatusOr<SiteModel> BuildSiteModel(const Election& election, TabulationStore& store,
                                         std::int64_t now_unix_seconds);
// The same with the results kept in `aggregator`: only the protocols stored after sequence
// `counted_through` are verified and put into it (PutStoredProtocol), and `counted_through`
// moves to the last one stored; the precincts of those protocols are added to `stored_for`
// when it is given. The results are those of BuildSiteModel above.
absl::StatusOr<SiteModel> BuildSiteModel(const Election& election, TabulationStore& store,
                                         std::int64_t now_unix_seconds,
                                         ResultsAggregator& aggregator,
                                         std::int64_t& counted_through,
                                         std::set<std::string>* stored_for = nullptr);

// Checks every figure the site would publish, and that the parts add up to the whole: the
// results as CheckPublishable; each region and district as CheckUnitPublishable; no precinct
// counted twice or counted while its latest protocol is held or refused; the regions together
// have exactly the country's voters, ballots and counted precincts (a region added twice, or
// left out, is refused). An internal error names the first figure that is wrong.
absl::Status CheckSiteModel(const Election& election, const SiteModel& model);

struct SiteOptions {
  std::filesystem::path root;  // holds `current` and the generations
  // The verifier's built files (transport/site/verifier), copied to verify/ in every generation.
  std::filesystem::path verifier_assets;
  SiteText text;
  int keep_generations = 3;  // older generations than these are removed
};

// The files of one generation, SHA-256 of each, sorted by path: "HEX  PATH\n" lines.
inline constexpr char kManifestFile[] = "MANIFEST.txt";
// Ed25519 over DomainPrefix(kSiteManifest) + MANIFEST.txt, 128 hex digits.
inline constexpr char kManifestSignatureFile[] = "MANIFEST.sig";
// The centre's public key, 64 hex digits.
inline constexpr char kCentreKeyFile[] = "centre-key.txt";

// What a publisher carries from the generation it wrote last to the next one. A precinct's files
// (its page in every language, data/ID.json and its signed protocols) depend on its own stored
// protocols only, so a precinct with none stored since has the same bytes as before: they are
// hard-linked from that generation and listed with the SHA-256 it was written with, instead of
// being rendered, hashed and written again. A file that cannot be linked (the generation was
// removed, another file system) is written as usual.
struct SiteCarryOver {
  std::filesystem::path generation;  // the generation written last; empty before the first
  std::map<std::string, std::string> manifest;  // its files' SHA-256 (hex) by relative path
  // The precincts with a protocol stored since that generation was written (BuildSiteModel's
  // `stored_for`): their files are written again.
  std::set<std::string> changed_precincts;
};

// Checks `model` (CheckSiteModel), writes a new generation under options.root, signs its
// manifest with `signer`, points `current` at it and removes old generations. Returns the new
// generation's directory. On any error nothing is published and `current` is untouched.
// With `carry`, the unchanged precincts' files come from carry->generation, and once the new
// generation is current, `carry` describes it (no precinct changed since); after an error
// `carry` is left as it was. The files are the same bytes either way.
absl::StatusOr<std::filesystem::path> WriteSite(const Election& election, const SiteModel& model,
                                                const Signer& signer, const SiteOptions& options,
                                                SiteCarryOver* carry = nullptr);

// BuildSiteModel + WriteSite.
absl::StatusOr<std::filesystem::path> PublishSite(const Election& election, TabulationStore& store,
                                                  const Signer& signer, const SiteOptions& options);

// The alarm code of a publication refused by a check (CheckSiteModel or a page's figure).
inline constexpr char kSiteNotPublishedAlarm[] = "SITE_NOT_PUBLISHED";

// Republishes the site after protocols are stored, one publication at a time on its own
// thread: a Notify() during a publication makes one more afterwards, so the last stored protocol
// is always published, and a burst of protocols costs one publication, not one each. A refused
// publication is logged and recorded as a kSiteNotPublishedAlarm alarm; the previous site stays.
class SitePublisher {
 public:
  using Log = std::function<void(std::string_view line)>;
  // `election`, `store` and `signer` must outlive the publisher.
  SitePublisher(const Election& election, TabulationStore* store, const Signer* signer,
                SiteOptions options, Log log);
  ~SitePublisher();
  SitePublisher(const SitePublisher&) = delete;
  SitePublisher& operator=(const SitePublisher&) = delete;

  void Notify();
  // Publishes now, on the caller's thread; what a refused publication returns.
  absl::Status PublishNow();
  // Waits until every Notify() so far has been published (or refused).
  void WaitIdle();
  std::uint64_t publications() const;

 private:
  void Loop();

  const Election& election_;
  TabulationStore* store_;
  const Signer* signer_;
  SiteOptions options_;
  Log log_;
  mutable std::mutex mutex_;
  std::mutex publish_mutex_;
  std::condition_variable changed_;
  bool pending_ = false;
  bool busy_ = false;
  bool stopping_ = false;
  std::uint64_t publications_ = 0;
  // The results of every protocol stored through sequence counted_through_, kept between
  // publications (under publish_mutex_): a publication counts only what was stored since.
  std::unique_ptr<ResultsAggregator> aggregator_;
  std::int64_t counted_through_ = 0;
  // The generation published last, whose unchanged precinct files the next one links.
  SiteCarryOver carry_;
  std::thread thread_;
};

// Reads MANIFEST.txt: SHA-256 (64 lower-case hex digits) by relative path. Refuses a malformed
// line, a path that is absolute or leaves the generation ("..") and a path listed twice.
absl::StatusOr<std::map<std::string, std::string>> ParseSiteManifest(std::string_view manifest);

// Checks a generation directory against its manifest: the signature against `public_key`
// (32 bytes), every listed file's SHA-256, and no file that is not listed.
absl::Status VerifySiteGeneration(const std::filesystem::path& generation,
                                  std::string_view public_key);

}  // namespace esep::transport

#endif  // ESEP_TRANSPORT_RESULTS_SITE_H_
