// A simulated partial election night for the browser tests and the load test: a tabulation
// centre with registered readers ingests signed protocols (one counted, one held for review,
// the rest missing, or --protocols N of a larger election), publishes the public results site
// and prints the protocol sheets an observer would photograph:
//
//   esep_site_night --out DIR [--election FILE] [--protocols N] [--serve-after]
//
// DIR/site           the published site (current -> gen-...)
// DIR/sheet-ok.png   the printed protocol of precinct 1001, as signed
// DIR/sheet-changed-numbers.png   the same sheet whose protocol had L1 changed after signing
// DIR/sheet-bad-signature.png     one byte of the signature changed
// DIR/sheet-other-precinct.png    the protocol of precinct 1002 (held for review)
// DIR/parts-ok.txt  the QR codes' texts of sheet-ok.png, one a line (URLs of the verifier)
// DIR/reader-1001.pub, DIR/election.json  for `esep verify --key ... --election ...`
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "esep/proto/election.h"
#include "esep/proto/sha256.h"
#include "esep/report/protocol_sheet.h"
#include "esep/transport/qr_protocol.h"
#include "esep/transport/results_site.h"
#include "esep/transport/signing.h"
#include "esep/transport/tabulation_centre.h"
#include "esep/transport/tabulation_store.h"
#include "google/protobuf/util/json_util.h"
#include "tabulation_fixture.h"

namespace fs = std::filesystem;
using namespace esep;
using namespace esep::transport;

namespace {

int Die(const std::string& what) {
  std::cerr << "esep_site_night: " << what << "\n";
  return 1;
}

bool RenderSheet(const Election& election, const SignedProtocol& signed_protocol,
                 const fs::path& out) {
  PrecinctProtocol protocol;
  if (!protocol.ParseFromString(signed_protocol.protocol())) return false;
  absl::StatusOr<report::WrittenSheet> written = report::RenderProtocolSheet(
      election, protocol, &signed_protocol, report::SheetFormat::kPng, 150, out.string());
  if (!written.ok()) {
    std::cerr << written.status() << "\n";
    return false;
  }
  // The page with the codes: the last one (the codes come at the end of the sheet).
  if (written->files.back() != out.string())
    fs::copy_file(written->files.back(), out, fs::copy_options::overwrite_existing);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path out;
  std::string election_file =
      std::string(ESEP_SOURCE_DIR) + "/fixtures/elections/party-list-2021.json";
  int protocols = 0;  // 0: the small partial night (1001 counted, 1002 held, the rest missing)
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--out" && i + 1 < argc)
      out = argv[++i];
    else if (a == "--election" && i + 1 < argc)
      election_file = argv[++i];
    else if (a == "--protocols" && i + 1 < argc)
      protocols = std::atoi(argv[++i]);
    else
      return Die("usage: esep_site_night --out DIR [--election FILE] [--protocols N]");
  }
  if (out.empty()) return Die("--out is required");
  fs::remove_all(out);
  fs::create_directories(out);
  absl::StatusOr<Election> loaded = LoadElectionFile(election_file);
  if (!loaded.ok()) return Die(std::string(loaded.status().message()));
  Election election = *loaded;
  election.set_results_site_url("https://results.example.kg/");

  absl::StatusOr<std::unique_ptr<TabulationStore>> store =
      TabulationStore::Open((out / "tabulation.db").string());
  if (!store.ok()) return Die(std::string(store.status().message()));
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

  auto submit = [&](const PrecinctProtocol& p) -> absl::StatusOr<SignedProtocol> {
    SignedProtocol s = SignProtocol(p, keys.at(p.precinct_id()));
    absl::StatusOr<Receipt> receipt =
        centre.Ingest(s, {"cert-" + p.precinct_id(), p.reader_serial()});
    if (!receipt.ok()) return receipt.status();
    return s;
  };

  if (protocols > 0) {
    // The load test's night: N precincts counted, published once at the end.
    for (int i = 0; i < protocols && i < election.precincts_size(); ++i) {
      const std::string& id = election.precincts(i).id();
      absl::StatusOr<SignedProtocol> s =
          submit(testing::ValidProtocol(election, id, "R" + id, 1, FINAL));
      if (!s.ok()) return Die(std::string(s.status().message()));
    }
  } else {
    absl::StatusOr<SignedProtocol> ok =
        submit(testing::ValidProtocol(election, "1001", "R1001", 1, FINAL));
    if (!ok.ok()) return Die(std::string(ok.status().message()));
    PrecinctProtocol held = testing::ValidProtocol(election, "1002", "R1002", 1, FINAL);
    held = testing::WithBallotsInBoxes(held, held.voters_on_list() * 16 / 10);
    absl::StatusOr<SignedProtocol> held_signed = submit(held);
    if (!held_signed.ok()) return Die(std::string(held_signed.status().message()));

    SignedProtocol changed = *ok;
    PrecinctProtocol numbers;
    numbers.ParseFromString(changed.protocol());
    numbers.set_voters_on_list(numbers.voters_on_list() + 100);
    changed.set_protocol(numbers.SerializeAsString());
    SignedProtocol bad_signature = *ok;
    std::string signature = bad_signature.signature();
    signature[10] = static_cast<char>(signature[10] ^ 0x01);
    bad_signature.set_signature(signature);
    // What an observer's tools need: the parts as printed (the URL of each QR code), the
    // reader's published key and the election, for `esep verify`.
    absl::StatusOr<std::vector<std::string>> parts =
        SplitIntoQrParts(*ok, kQrPartMaxChars, "https://results.example.kg/verify/");
    if (!parts.ok()) return Die(std::string(parts.status().message()));
    std::ofstream parts_file(out / "parts-ok.txt");
    for (const std::string& part : *parts) parts_file << part << "\n";
    const std::string key = keys.at("1001").public_key();
    std::ofstream(out / "reader-1001.pub")
        << ToHex(std::span(reinterpret_cast<const std::uint8_t*>(key.data()), key.size())) << "\n";
    std::string json;
    google::protobuf::util::JsonPrintOptions print;
    print.preserve_proto_field_names = true;
    if (!google::protobuf::util::MessageToJsonString(election, &json, print).ok()) {
      return Die("cannot write election.json");
    }
    std::ofstream(out / "election.json") << json;
    if (!RenderSheet(election, *ok, out / "sheet-ok.png") ||
        !RenderSheet(election, changed, out / "sheet-changed-numbers.png") ||
        !RenderSheet(election, bad_signature, out / "sheet-bad-signature.png") ||
        !RenderSheet(election, *held_signed, out / "sheet-other-precinct.png")) {
      return Die("cannot render the protocol sheets");
    }
  }
  absl::StatusOr<fs::path> generation = PublishSite(election, **store, centre.signer(), options);
  if (!generation.ok()) return Die(std::string(generation.status().message()));
  std::cout << "esep_site_night: published " << generation->string() << "\n";
  return 0;
}
