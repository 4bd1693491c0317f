// The public results site under load, on loopback: concurrent page readers while protocols are
// ingested and the site republished after each (docs/BENCHMARKS.md). Every page read is checked
// against the signed manifest of the generation that served it.
//
//   site_load [--precincts N] [--readers R] [--seconds S] [--out DIR]
//
// Prints pages/s beside protocols/s; exits 1 when a page does not match its manifest or the
// final site does not count every ingested protocol.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "esep/proto/election.h"
#include "esep/proto/sha256.h"
#include "esep/transport/results_site.h"
#include "esep/transport/signing.h"
#include "esep/transport/site_server.h"
#include "esep/transport/tabulation_centre.h"
#include "esep/transport/tabulation_store.h"
#include "tabulation_fixture.h"

namespace fs = std::filesystem;
using namespace esep;
using namespace esep::transport;

namespace {

using Clock = std::chrono::steady_clock;

// SHA-256 by path of each generation's manifest, read once per generation.
class Manifests {
 public:
  explicit Manifests(fs::path root) : root_(std::move(root)) {}
  // 1: matches; 0: does not; -1: the generation is already gone.
  int Check(const std::string& generation, const std::string& path, const std::string& body) {
    std::lock_guard lock(mutex_);
    auto it = by_generation_.find(generation);
    if (it == by_generation_.end()) {
      std::ifstream in(root_ / generation / kManifestFile);
      if (!in) return -1;
      std::stringstream text;
      text << in.rdbuf();
      absl::StatusOr<std::map<std::string, std::string>> files = ParseSiteManifest(text.str());
      if (!files.ok()) return 0;
      it = by_generation_.emplace(generation, *std::move(files)).first;
    }
    auto file = it->second.find(path);
    return file != it->second.end() && file->second == ToHex(Sha256(body)) ? 1 : 0;
  }

 private:
  fs::path root_;
  std::mutex mutex_;
  std::map<std::string, std::map<std::string, std::string>> by_generation_;
};

}  // namespace

int main(int argc, char** argv) {
  int precincts = 200;
  int readers = 8;
  double seconds = 5;
  fs::path out = fs::temp_directory_path() / "esep-site-load";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--precincts")
      precincts = std::atoi(argv[i + 1]);
    else if (flag == "--readers")
      readers = std::atoi(argv[i + 1]);
    else if (flag == "--seconds")
      seconds = std::atof(argv[i + 1]);
    else if (flag == "--out")
      out = argv[i + 1];
  }
  fs::remove_all(out);
  fs::create_directories(out);

  // The party-list election with `precincts` precincts spread over the ten regions.
  Election election = testing::PartyListElection();
  election.clear_precincts();
  BallotStyle& style = *election.mutable_ballot_styles(0);
  style.clear_precinct_ids();
  for (int i = 0; i < precincts; ++i) {
    Precinct* p = election.add_precincts();
    p->set_id(absl::StrCat(i % 10, 1000 + i / 10));
    p->mutable_name()->set_ru(absl::StrCat("участок ", p->id()));
    p->set_registered_voters(2150);
    style.add_precinct_ids(p->id());
  }
  absl::StatusOr<std::unique_ptr<TabulationStore>> store =
      TabulationStore::Open((out / "tabulation.db").string());
  if (!store.ok()) return std::cerr << store.status() << "\n", 1;
  absl::StatusOr<std::map<std::string, SigningKey>> registered =
      testing::RegisterReaderPerPrecinct(election, **store);
  if (!registered.ok()) {
    std::cerr << registered.status() << "\n";
    return 1;
  }
  std::map<std::string, SigningKey>& keys = *registered;
  TabulationCentre centre(election, SigningKey::Generate(), store->get(), [](std::string_view) {});
  absl::StatusOr<SiteOptions> site = testing::TestSiteOptions(out / "site");
  if (!site.ok()) {
    std::cerr << site.status() << "\n";
    return 1;
  }
  SiteOptions& options = *site;
  options.keep_generations = 20;
  SitePublisher publisher(election, store->get(), &centre.signer(), options,
                          [](std::string_view line) { std::cerr << line << "\n"; });
  if (absl::Status s = publisher.PublishNow(); !s.ok()) return std::cerr << s << "\n", 1;
  centre.OnStored([&publisher] { publisher.Notify(); });
  absl::StatusOr<std::unique_ptr<SiteServer>> server =
      SiteServer::Start(options.root, "127.0.0.1", 0);
  if (!server.ok()) return std::cerr << server.status() << "\n", 1;

  std::vector<std::string> paths = {"/ky/index.html",   "/ru/index.html", "/en/index.html",
                                    "/en/missing.html", "/results.json",  "/keys.json"};
  for (int i = 0; i < 10; ++i) paths.push_back(absl::StrCat("/ru/region-", i, ".html"));
  for (const Precinct& p : election.precincts()) {
    paths.push_back(absl::StrCat("/ky/precinct-", p.id(), ".html"));
  }
  Manifests manifests(options.root);

  // The references, in the same run: the same files read from disk and hashed (SHA-256) on one
  // thread, and bare Ed25519 verifications of one protocol, each for one second.
  const fs::path first = options.root / fs::read_symlink(options.root / "current");
  std::uint64_t reference_reads = 0;
  Clock::time_point t0 = Clock::now();
  while (Clock::now() - t0 < std::chrono::seconds(1)) {
    std::ifstream file(first / paths[reference_reads % paths.size()].substr(1), std::ios::binary);
    std::stringstream body;
    body << file.rdbuf();
    (void)Sha256(body.str());
    ++reference_reads;
  }
  const double reference_reads_per_second =
      reference_reads / std::chrono::duration<double>(Clock::now() - t0).count();
  const SignedProtocol sample =
      SignProtocol(testing::ValidProtocol(election, election.precincts(0).id(), "R", 1, FINAL),
                   keys.begin()->second);
  std::uint64_t reference_verifies = 0;
  t0 = Clock::now();
  while (Clock::now() - t0 < std::chrono::seconds(1)) {
    (void)VerifyProtocol(sample, "");
    ++reference_verifies;
  }
  const double reference_verifies_per_second =
      reference_verifies / std::chrono::duration<double>(Clock::now() - t0).count();

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> pages{0}, bytes{0}, mismatches{0}, gone{0}, failures{0};
  std::vector<std::thread> threads;
  const Clock::time_point start = Clock::now();
  for (int r = 0; r < readers; ++r) {
    threads.emplace_back([&, r] {
      httplib::Client client("127.0.0.1", (*server)->port());
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      std::mt19937 random(r);
      while (!stop) {
        const std::string& path = paths[random() % paths.size()];
        httplib::Result result = client.Get(path.c_str());
        if (!result || result->status != 200) {
          ++failures;
          continue;
        }
        const int verdict = manifests.Check(result->get_header_value("X-Esep-Generation"),
                                            path.substr(1), result->body);
        if (verdict == 0) {
          ++mismatches;
          std::cerr << "MISMATCH " << path << " in "
                    << result->get_header_value("X-Esep-Generation") << "\n";
        }
        if (verdict < 0) ++gone;
        ++pages;
        bytes += result->body.size();
      }
    });
  }
  // Protocols arrive as from many readers at once: up to 64 in flight, as the gRPC service
  // receives them.
  std::mutex flight_mutex;
  std::condition_variable flight_changed;
  int in_flight = 0;
  int ingested = 0;
  bool refused = false;
  int submitted = 0;
  while (submitted < precincts &&
         std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
    {
      std::unique_lock lock(flight_mutex);
      flight_changed.wait(lock, [&] { return in_flight < 64; });
      ++in_flight;
    }
    const std::string& id = election.precincts(submitted++).id();
    centre.IngestBytes(
        SignProtocol(testing::ValidProtocol(election, id, "R" + id, 1, FINAL), keys.at(id))
            .SerializeAsString(),
        {"cert-" + id, "R" + id}, [&](absl::StatusOr<Receipt> receipt) {
          std::lock_guard lock(flight_mutex);
          --in_flight;
          if (receipt.ok()) {
            ++ingested;
          } else {
            refused = true;
            std::cerr << receipt.status() << "\n";
          }
          flight_changed.notify_all();
        });
  }
  {
    std::unique_lock lock(flight_mutex);
    flight_changed.wait(lock, [&] { return in_flight == 0; });
  }
  if (refused) return 1;
  const double ingest_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  while (std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  for (std::thread& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  publisher.WaitIdle();

  // The last publication counts every ingested protocol and verifies against its manifest.
  const fs::path current = options.root / fs::read_symlink(options.root / "current");
  std::ifstream in(current / "en" / "index.html");
  std::stringstream page;
  page << in.rdbuf();
  const std::string counted = absl::StrCat("<dd class=\"counted\">", ingested, " / ", precincts);
  const bool complete = page.str().find(counted) != std::string::npos;
  const absl::Status verified = VerifySiteGeneration(current, centre.public_key());
  std::cout << "site_load: " << precincts << " precincts, " << readers << " readers, " << elapsed
            << " s\n"
            << "  reference: " << reference_reads_per_second
            << " files/s read from disk and hashed (one thread), " << reference_verifies_per_second
            << " Ed25519 verifications/s\n"
            << "  pages read: " << pages << " (" << pages / elapsed << " pages/s, ratio "
            << pages / elapsed / reference_reads_per_second << ", " << bytes / elapsed / 1e6
            << " MB/s), failed requests " << failures << ", from a pruned generation " << gone
            << ", not matching the manifest " << mismatches << "\n"
            << "  protocols ingested: " << ingested << " in " << ingest_seconds << " s ("
            << ingested / ingest_seconds << " protocols/s, ratio "
            << ingested / ingest_seconds / reference_verifies_per_second << ")\n"
            << "  publications: " << publisher.publications() << " ("
            << publisher.publications() / elapsed << " /s)\n"
            << "  final site counts " << ingested << " / " << precincts << ": "
            << (complete ? "yes" : "NO") << "; manifest "
            << (verified.ok() ? "verified" : verified.ToString()) << "\n";
  return mismatches == 0 && failures == 0 && complete && verified.ok() ? 0 : 1;
}
