#include "tabulator_commands.h"

#include <signal.h>
#include <sys/stat.h>

#include <ctime>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "command_line.h"
#include "esep/proto/election.h"
#include "esep/proto/sha256.h"
#include "esep/proto/software_identity.h"
#include "esep/proto/utc_time.h"
#include "esep/transport/aggregation.h"
#include "esep/transport/results_format.h"
#include "esep/transport/results_site.h"
#include "esep/transport/signing.h"
#include "esep/transport/site_server.h"
#include "esep/transport/tabulation_centre.h"
#include "esep/transport/tabulation_results.h"
#include "esep/transport/tabulation_server.h"
#include "esep/transport/tabulation_store.h"
#include "esep/transport/tls.h"
#include "key_flags.h"

namespace esep::tabulator {

std::string DataDir::store_address() const {
  std::ifstream in(store_address_file());
  std::string address;
  if (in && std::getline(in, address)) {
    address = std::string(absl::StripAsciiWhitespace(address));
    if (!address.empty()) return address;
  }
  return store().string();
}

namespace {

using cli::CommandLine;
using cli::FlagSpec;
using cli::kExitOk;
using cli::kExitRejected;
using cli::kExitUsage;
using cli::kTokenKeyFlags;
using cli::OpenSigner;

const FlagSpec kHelp = {"help", false, "print this help"};
const FlagSpec kDataDir = {"data-dir", true, "the centre's data directory"};

int Fail(const std::string& command, const absl::Status& status, int exit_status = kExitUsage) {
  std::cerr << "esep-tabulator " << command << ": " << status.message() << "\n";
  return exit_status;
}

std::string Hex(std::string_view bytes) {
  return ToHex(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

std::string ReadFile(const std::filesystem::path& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The data directory named by --data-dir, which `init` must have prepared.
absl::StatusOr<DataDir> ExistingDataDir(const CommandLine& cl) {
  absl::StatusOr<std::string> root = cl.Require("data-dir");
  if (!root.ok()) return root.status();
  DataDir dir{*root};
  // The centre's key: a key file, or only its published half when the key is in a token.
  const bool has_key =
      std::filesystem::exists(dir.key()) || std::filesystem::exists(dir.key().string() + ".pub");
  if (!std::filesystem::exists(dir.election()) || !has_key) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir.root.string(),
                     " is not a tabulation centre's data directory: run "
                     "'esep-tabulator init --data-dir ",
                     dir.root.string(), " --election ELECTION.json' first"));
  }
  return dir;
}

const FlagSpec kSiteFlag = {"site", true,
                            "the public results site's directory (holds `current` and the "
                            "generations)"};
const FlagSpec kVerifierFlag = {
    "verifier", true, "the observers' verifier's built files (default: " ESEP_VERIFIER_DIR ")"};

absl::StatusOr<transport::SiteOptions> SiteOptionsOf(const CommandLine& cl) {
  transport::SiteOptions options;
  options.root = *cl.Get("site");
  // Beside this program (BIN/../share/esep/verifier: installed, or a build tree's copy), else
  // the installed place.
  std::string beside = ESEP_VERIFIER_DIR;
  std::error_code error;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    const std::filesystem::path dir = exe.parent_path().parent_path() / "share/esep/verifier";
    if (std::filesystem::exists(dir / "verify.js", error)) beside = dir.string();
  }
  options.verifier_assets = cl.Get("verifier").value_or(beside);
  absl::StatusOr<transport::SiteText> text = transport::SiteTextOfCatalogs();
  if (!text.ok()) return text.status();
  options.text = *std::move(text);
  return options;
}

// Splits "HOST:PORT"; the host is loopback when only ":PORT" or "PORT" is given.
absl::StatusOr<std::pair<std::string, int>> HostAndPort(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? "" : listen.substr(0, colon);
  const std::string port_text = colon == std::string::npos ? listen : listen.substr(colon + 1);
  int port = 0;
  if (!absl::SimpleAtoi(port_text, &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--site-listen ", listen, " is not HOST:PORT (e.g. 127.0.0.1:8080)"));
  }
  if (host.empty()) host = "127.0.0.1";
  return std::pair{host, port};
}

void WritePortFile(const std::string& path, int port) {
  const std::string temporary = path + ".new";
  std::ofstream(temporary) << port << "\n";
  std::filesystem::rename(temporary, path);
}

// The store of the data directory named by --data-dir.
absl::StatusOr<std::unique_ptr<transport::TabulationStore>> OpenDataDirStore(
    const CommandLine& cl) {
  absl::StatusOr<DataDir> dir = ExistingDataDir(cl);
  if (!dir.ok()) return dir.status();
  return transport::TabulationStore::Open(dir->store_address());
}

int RunInit(const std::vector<std::string>& args) {
  std::vector<FlagSpec> specs = {
      kDataDir,
      {"election", true, "the election definition (JSON) to tabulate"},
      {"store", true,
       "the store, when not the SQLite file in DIR: a postgresql:// URI (with "
       "target_session_attrs=read-write and every host of the primary and its standby)"}};
  specs.insert(specs.end(), kTokenKeyFlags.begin(), kTokenKeyFlags.end());
  specs.push_back(kHelp);
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || !cl->Has("data-dir") || !cl->Has("election")) {
    return cli::UsageExit("esep-tabulator init", cl,
                          "usage: esep-tabulator init --data-dir DIR --election ELECTION.json "
                          "[--store postgresql://...]\n"
                          "Prepares a centre: its election, its receipt-signing key, its store.\n"
                          "Every centre instance on one PostgreSQL store has a copy of the same "
                          "data directory.\n",
                          specs);
  }
  const DataDir dir{*cl->Get("data-dir")};
  bool read = false;
  const std::string json = ReadFile(*cl->Get("election"), read);
  if (!read) return Fail("init", absl::NotFoundError("cannot read " + *cl->Get("election")));
  absl::StatusOr<Election> election = ParseElectionJson(json);
  if (!election.ok()) return Fail("init", election.status());
  std::error_code error;
  std::filesystem::create_directories(dir.root, error);
  ::chmod(dir.root.c_str(), 0700);
  if (std::filesystem::exists(dir.election())) {
    absl::StatusOr<Election> existing = LoadElectionFile(dir.election().string());
    if (!existing.ok() || ElectionHash(*existing) != ElectionHash(*election)) {
      return Fail("init", absl::AlreadyExistsError(absl::StrCat(
                              dir.root.string(), " already tabulates another election")));
    }
  } else {
    std::ofstream out(dir.election(), std::ios::binary);
    out << json;
    if (!out.flush()) {
      return Fail("init", absl::InternalError("cannot write " + dir.election().string()));
    }
  }
  if (const std::optional<std::string> address = cl->Get("store")) {
    if (!transport::IsPostgresAddress(*address)) {
      return Fail("init", absl::InvalidArgumentError(absl::StrCat(
                              "--store ", *address,
                              ": only a postgresql:// URI; without --store the centre keeps an "
                              "SQLite store in its data directory")));
    }
    const bool recorded = std::filesystem::exists(dir.store_address_file());
    if (recorded && dir.store_address() != *address) {
      return Fail("init", absl::AlreadyExistsError(absl::StrCat(
                              dir.root.string(), " already uses the store ", dir.store_address())));
    }
    if (!recorded) {
      // Recorded only once it opens: a wrong address is corrected by running init again.
      absl::StatusOr<std::unique_ptr<transport::TabulationStore>> opened =
          transport::TabulationStore::Open(*address);
      if (!opened.ok()) return Fail("init", opened.status());
      std::ofstream out(dir.store_address_file(), std::ios::binary);
      out << *address << "\n";
      if (!out.flush()) {
        return Fail("init",
                    absl::InternalError("cannot write " + dir.store_address_file().string()));
      }
      ::chmod(dir.store_address_file().c_str(), 0600);
    }
  }
  absl::StatusOr<std::unique_ptr<transport::Signer>> key = OpenSigner(*cl, dir.key(), true);
  if (!key.ok()) return Fail("init", key.status());
  absl::StatusOr<std::unique_ptr<transport::TabulationStore>> store =
      transport::TabulationStore::Open(dir.store_address());
  if (!store.ok()) return Fail("init", store.status());
  std::cout << "election   " << election->id() << " " << ElectionHash(*election) << "\n"
            << "centre key " << Hex((*key)->public_key()) << " ("
            << transport::KeyId((*key)->public_key()) << ", " << (*key)->Description()
            << "; readers are configured with " << dir.key().string() << ".pub)\n"
            << "store      " << dir.store_address() << "\n";
  return kExitOk;
}

int RunRegisterReader(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      kDataDir,
      {"precinct", true, "the precinct the reader serves"},
      {"serial", true, "the reader's serial number"},
      {"public-key", true, "the reader's Ed25519 public key: 64 hex digits or a .pub file"},
      {"certificate", true, "the reader's TLS client certificate (PEM)"},
      kHelp};
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || !cl->Has("precinct") || !cl->Has("serial") ||
      !cl->Has("public-key") || !cl->Has("certificate")) {
    return cli::UsageExit(
        "esep-tabulator register-reader", cl,
        "usage: esep-tabulator register-reader --data-dir DIR --precinct P --serial S "
        "--public-key HEX|FILE --certificate PEM\n"
        "Allows reader S to submit the protocol of precinct P, signed with this key, over a "
        "connection with this certificate.\n",
        specs);
  }
  absl::StatusOr<DataDir> dir = ExistingDataDir(*cl);
  if (!dir.ok()) return Fail("register-reader", dir.status());
  absl::StatusOr<Election> election = LoadElectionFile(dir->election().string());
  if (!election.ok()) return Fail("register-reader", election.status());
  const std::string precinct = *cl->Get("precinct");
  if (FindPrecinct(*election, precinct) == nullptr) {
    return Fail("register-reader",
                absl::NotFoundError(absl::StrCat("precinct \"", precinct, "\" is not in election ",
                                                 election->id())));
  }
  const std::string key_text = *cl->Get("public-key");
  absl::StatusOr<std::string> public_key = std::filesystem::exists(key_text)
                                               ? transport::LoadPublicKey(key_text)
                                               : transport::ParsePublicKeyHex(key_text);
  if (!public_key.ok()) return Fail("register-reader", public_key.status());
  absl::StatusOr<std::string> pem = transport::ReadPemFile(*cl->Get("certificate"));
  if (!pem.ok()) return Fail("register-reader", pem.status());
  absl::StatusOr<std::string> fingerprint = transport::CertificateFingerprint(*pem);
  if (!fingerprint.ok()) return Fail("register-reader", fingerprint.status());
  absl::StatusOr<std::unique_ptr<transport::TabulationStore>> store =
      transport::TabulationStore::Open(dir->store_address());
  if (!store.ok()) return Fail("register-reader", store.status());
  transport::RegisteredReader reader;
  reader.precinct_id = precinct;
  reader.reader_serial = *cl->Get("serial");
  reader.public_key = *public_key;
  reader.certificate_sha256 = *fingerprint;
  if (absl::Status s = (*store)->RegisterReader(reader); !s.ok()) {
    return Fail("register-reader", s, kExitRejected);
  }
  std::cout << "registered reader " << reader.reader_serial << " for precinct " << precinct
            << ": key " << transport::KeyId(*public_key) << ", certificate sha256 " << *fingerprint
            << "\n";
  return kExitOk;
}

// Registers a whole country's readers at once, from the list the commission's technicians keep.
int RunRegisterReaders(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      kDataDir,
      {"file", true, "CSV: precinct,serial,public_key (64 hex digits), a header line first"},
      {"certificate", true, "the readers' TLS client certificate (PEM), the same for all"},
      kHelp};
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || !cl->Has("file") || !cl->Has("certificate")) {
    return cli::UsageExit(
        "esep-tabulator register-readers", cl,
        "usage: esep-tabulator register-readers --data-dir DIR --file READERS.csv "
        "--certificate PEM\n"
        "Registers every reader of the list in one transaction: all of them or, on any error "
        "(named with its line), none.\n",
        specs);
  }
  absl::StatusOr<DataDir> dir = ExistingDataDir(*cl);
  if (!dir.ok()) return Fail("register-readers", dir.status());
  absl::StatusOr<Election> election = LoadElectionFile(dir->election().string());
  if (!election.ok()) return Fail("register-readers", election.status());
  const ElectionIndex index(*election);
  absl::StatusOr<std::string> pem = transport::ReadPemFile(*cl->Get("certificate"));
  if (!pem.ok()) return Fail("register-readers", pem.status());
  absl::StatusOr<std::string> fingerprint = transport::CertificateFingerprint(*pem);
  if (!fingerprint.ok()) return Fail("register-readers", fingerprint.status());
  std::ifstream in(*cl->Get("file"));
  if (!in) return Fail("register-readers", absl::NotFoundError("cannot read " + *cl->Get("file")));
  std::vector<transport::RegisteredReader> readers;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::vector<std::string> fields = absl::StrSplit(line, ',');
    if (number == 1 && !fields.empty() && fields[0] == "precinct") continue;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    const auto bad = [&](const std::string& why) {
      return Fail("register-readers",
                  absl::InvalidArgumentError(absl::StrCat(*cl->Get("file"), " line ", number, ": ",
                                                          why, "; nothing was registered")));
    };
    if (fields.size() != 3) return bad("need precinct,serial,public_key");
    if (index.FindPrecinct(fields[0]) == nullptr) {
      return bad(absl::StrCat("precinct \"", fields[0], "\" is not in election ", election->id()));
    }
    absl::StatusOr<std::string> key = transport::ParsePublicKeyHex(fields[2]);
    if (!key.ok()) return bad(std::string(key.status().message()));
    transport::RegisteredReader reader;
    reader.precinct_id = fields[0];
    reader.reader_serial = fields[1];
    reader.public_key = *key;
    reader.certificate_sha256 = *fingerprint;
    readers.push_back(std::move(reader));
  }
  absl::StatusOr<std::unique_ptr<transport::TabulationStore>> store =
      transport::TabulationStore::Open(dir->store_address());
  if (!store.ok()) return Fail("register-readers", store.status());
  if (absl::Status s = (*store)->RegisterReaders(readers); !s.ok()) {
    return Fail("register-readers", s, kExitRejected);
  }
  std::cout << "registered " << readers.size() << " readers, certificate sha256 " << *fingerprint
            << "\n";
  return kExitOk;
}

int RunRevokeReader(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      kDataDir,
      {"precinct", true, "the precinct the reader was registered for"},
      {"serial", true, "the reader's serial number"},
      {"reason", true, "why, for the record (lost, stolen, compromised key...)"},
      kHelp};
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || !cl->Has("precinct") || !cl->Has("serial") ||
      !cl->Has("reason")) {
    return cli::UsageExit(
        "esep-tabulator revoke-reader", cl,
        "usage: esep-tabulator revoke-reader --data-dir DIR --precinct P --serial S "
        "--reason TEXT\n"
        "Refuses, from now on and for good, every protocol of reader S (lost, stolen or its key "
        "compromised);\nprotocols it delivered before stay. A running serve refuses it from its "
        "next submission.\n",
        specs);
  }
  absl::StatusOr<std::unique_ptr<transport::TabulationStore>> store = OpenDataDirStore(*cl);
  if (!store.ok()) return Fail("revoke-reader", store.status());
  const std::string precinct = *cl->Get("precinct");
  const std::string serial = *cl->Get("serial");
  if (absl::Status s = (*store)->RevokeReader(precinct, serial, *cl->Get("reason")); !s.ok()) {
    return Fail("revoke-reader", s, kExitRejected);
  }
  std::cout << "revoked reader " << serial << " of precinct " << precinct
            << ": its protocols are refused from now on\n";
  return kExitOk;
}

int RunReaders(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {kDataDir, kHelp};
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || !cl->Has("data-dir")) {
    return cli::UsageExit("esep-tabulator readers", cl,
                          "usage: esep-tabulator readers --data-dir DIR\n"
                          "Lists the registered readers: precinct, serial, key, certificate and "
                          "whether revoked.\n",
                          specs);
  }
  absl::StatusOr<std::unique_ptr<transport::TabulationStore>> store = OpenDataDirStore(*cl);
  if (!store.ok()) return Fail("readers", store.status());
  absl::StatusOr<std::vector<transport::RegisteredReader>> readers = (*store)->Readers();
  if (!readers.ok()) return Fail("readers", readers.status());
  std::cout << "precinct  reader  key  certificate-sha256  registered  state\n";
  for (const transport::RegisteredReader& r : *readers) {
    std::cout << r.precinct_id << "  " << r.reader_serial << "  " << transport::KeyId(r.public_key)
              << "  " << r.certificate_sha256.substr(0, 16) << "  "
              << UtcRfc3339(r.registered_unix_seconds) << "  "
              << (r.revoked() ? absl::StrCat("REVOKED ", UtcRfc3339(r.revoked_unix_seconds), " (",
                                             r.revocation_reason, ")")
                              : std::string("active"))
              << "\n";
  }
  return kExitOk;
}

int RunServe(const std::vector<std::string>& args) {
  std::vector<FlagSpec> specs = {
      kDataDir,
      {"listen", true, "HOST:PORT to listen on (port 0 picks a free one)"},
      {"cert", true, "the centre's TLS certificate (PEM)"},
      {"key", true, "the centre's TLS private key (PEM)"},
      {"client-ca", true, "the CA that signs the readers' client certificates (PEM)"},
      {"port-file", true, "write the port listened on to this file once serving"},
      kSiteFlag,
      kVerifierFlag,
      {"site-listen", true, "also serve the results site on HOST:PORT (loopback by default)"},
      {"site-port-file", true, "write the results site's port to this file once serving"}};
  specs.insert(specs.end(), kTokenKeyFlags.begin(), kTokenKeyFlags.end());
  specs.push_back(kHelp);
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || !cl->Has("listen") || !cl->Has("cert") || !cl->Has("key") ||
      !cl->Has("client-ca")) {
    return cli::UsageExit("esep-tabulator serve", cl,
                          "usage: esep-tabulator serve --data-dir DIR --listen HOST:PORT --cert "
                          "PEM --key PEM --client-ca PEM\n"
                          "       [--site DIR [--site-listen HOST:PORT]]\n"
                          "Receives signed protocols over mutual TLS until SIGINT or SIGTERM; with "
                          "--site, republishes\nthe public results site after each stored "
                          "protocol (and serves it with --site-listen).\n",
                          specs);
  }
  // SIGINT and SIGTERM are taken by sigwait below, blocked before the store and the
  // server start their threads, which inherit the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<DataDir> dir = ExistingDataDir(*cl);
  if (!dir.ok()) return Fail("serve", dir.status());
  absl::StatusOr<Election> election = LoadElectionFile(dir->election().string());
  if (!election.ok()) return Fail("serve", election.status());
  absl::StatusOr<std::unique_ptr<transport::Signer>> key = OpenSigner(*cl, dir->key(), false);
  if (!key.ok()) return Fail("serve", key.status());
  absl::StatusOr<transport::TlsFiles> tls =
      transport::LoadTlsFiles(*cl->Get("cert"), *cl->Get("key"), *cl->Get("client-ca"));
  if (!tls.ok()) return Fail("serve", tls.status());
  absl::StatusOr<std::unique_ptr<transport::TabulationStore>> store =
      transport::TabulationStore::Open(dir->store_address());
  if (!store.ok()) return Fail("serve", store.status());

  transport::TabulationCentre centre(*std::move(election), *std::move(key), store->get());
  std::unique_ptr<transport::SitePublisher> publisher;
  std::unique_ptr<transport::SiteServer> site_server;
  if (cl->Has("site")) {
    absl::StatusOr<transport::SiteOptions> site = SiteOptionsOf(*cl);
    if (!site.ok()) return Fail("serve", site.status());
    publisher = std::make_unique<transport::SitePublisher>(
        centre.election(), store->get(), &centre.signer(), *std::move(site),
        [](std::string_view line) { std::cerr << "esep-tabulator: " << line << std::endl; });
    if (absl::Status s = publisher->PublishNow(); !s.ok()) std::cerr << s.message() << "\n";
    centre.OnStored([p = publisher.get()] { p->Notify(); });
    if (std::optional<std::string> listen = cl->Get("site-listen")) {
      absl::StatusOr<std::pair<std::string, int>> where = HostAndPort(*listen);
      if (!where.ok()) return Fail("serve", where.status());
      absl::StatusOr<std::unique_ptr<transport::SiteServer>> started =
          transport::SiteServer::Start(*cl->Get("site"), where->first, where->second);
      if (!started.ok()) return Fail("serve", started.status(), kExitRejected);
      site_server = *std::move(started);
      std::cout << "esep-tabulator: results site on http://" << where->first << ":"
                << site_server->port() << "/" << std::endl;
      if (std::optional<std::string> f = cl->Get("site-port-file")) {
        WritePortFile(*f, site_server->port());
      }
    }
  }
  absl::StatusOr<std::unique_ptr<transport::TabulationServer>> server =
      transport::TabulationServer::Start(&centre, {*cl->Get("listen"), *std::move(tls)});
  if (!server.ok()) return Fail("serve", server.status(), kExitRejected);
  std::cout << "esep-tabulator: listening on port " << (*server)->port() << " for election "
            << centre.election().id() << ", receipts signed by key "
            << transport::KeyId(centre.public_key()) << " (" << centre.signer().Description() << ")"
            << std::endl;
  if (std::optional<std::string> port_file = cl->Get("port-file")) {
    WritePortFile(*port_file, (*server)->port());
  }
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::cout << "esep-tabulator: stopping" << std::endl;
  (*server)->Shutdown();
  if (site_server) site_server->Stop();
  return kExitOk;
}

int RunSite(const std::vector<std::string>& args) {
  std::vector<FlagSpec> specs = {kDataDir, kSiteFlag, kVerifierFlag};
  specs.insert(specs.end(), kTokenKeyFlags.begin(), kTokenKeyFlags.end());
  specs.push_back(kHelp);
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || !cl->Has("data-dir") || !cl->Has("site")) {
    return cli::UsageExit("esep-tabulator site", cl,
                          "usage: esep-tabulator site --data-dir DIR --site SITE_DIR\n"
                          "Writes the public results site from the store as a new generation and "
                          "points\nSITE_DIR/current at it; a publication that fails a check is "
                          "refused and the\nprevious site stays.\n",
                          specs);
  }
  absl::StatusOr<DataDir> dir = ExistingDataDir(*cl);
  if (!dir.ok()) return Fail("site", dir.status());
  absl::StatusOr<Election> election = LoadElectionFile(dir->election().string());
  if (!election.ok()) return Fail("site", election.status());
  absl::StatusOr<std::unique_ptr<transport::Signer>> key = OpenSigner(*cl, dir->key(), false);
  if (!key.ok()) return Fail("site", key.status());
  absl::StatusOr<std::unique_ptr<transport::TabulationStore>> store =
      transport::TabulationStore::Open(dir->store_address());
  if (!store.ok()) return Fail("site", store.status());
  absl::StatusOr<transport::SiteOptions> site = SiteOptionsOf(*cl);
  if (!site.ok()) return Fail("site", site.status());
  transport::SitePublisher publisher(*election, store->get(), key->get(), *std::move(site),
                                     [](std::string_view line) { std::cerr << line << "\n"; });
  if (absl::Status s = publisher.PublishNow(); !s.ok()) return Fail("site", s, kExitRejected);
  const std::filesystem::path current = std::filesystem::path(*cl->Get("site")) / "current";
  std::cout << "esep-tabulator site: published " << std::filesystem::read_symlink(current).string()
            << "\nopen " << std::filesystem::absolute(current / "ky" / "index.html").string()
            << "\nor serve it: esep-tabulator serve-site --site " << *cl->Get("site")
            << " --listen 127.0.0.1:8080\n";
  return kExitOk;
}

int RunServeSite(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      kSiteFlag,
      {"listen", true, "HOST:PORT to serve on (default 127.0.0.1:8080; port 0 picks one)"},
      {"port-file", true, "write the port listened on to this file once serving"},
      kHelp};
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || !cl->Has("site")) {
    return cli::UsageExit("esep-tabulator serve-site", cl,
                          "usage: esep-tabulator serve-site --site SITE_DIR [--listen "
                          "HOST:PORT]\n"
                          "Serves the public results site read-only from SITE_DIR/current until "
                          "SIGINT or SIGTERM.\n",
                          specs);
  }
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  absl::StatusOr<std::pair<std::string, int>> where =
      HostAndPort(cl->Get("listen").value_or("127.0.0.1:8080"));
  if (!where.ok()) return Fail("serve-site", where.status());
  absl::StatusOr<std::unique_ptr<transport::SiteServer>> server =
      transport::SiteServer::Start(*cl->Get("site"), where->first, where->second);
  if (!server.ok()) return Fail("serve-site", server.status(), kExitRejected);
  std::cout << "esep-tabulator: results site on http://" << where->first << ":" << (*server)->port()
            << "/" << std::endl;
  if (std::optional<std::string> f = cl->Get("port-file")) WritePortFile(*f, (*server)->port());
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  (*server)->Stop();
  return kExitOk;
}

// Which software counted a stored protocol and where its key lives, from the signed protocol.
std::string CountedBy(const transport::StoredProtocol& stored) {
  SignedProtocol signed_protocol;
  PrecinctProtocol protocol;
  if (!signed_protocol.ParseFromString(stored.signed_protocol) ||
      !protocol.ParseFromString(signed_protocol.protocol())) {
    return "(unreadable)";
  }
  if (!protocol.has_software()) return "(software not named)  (key not named)";
  return absl::StrCat(SoftwareLine(protocol.software()), "  ",
                      protocol.signing_key().empty() ? "(key not named)" : protocol.signing_key());
}

int RunProtocols(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      kDataDir, {"precinct", true, "only this precinct, every revision"}, kHelp};
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || !cl->Has("data-dir")) {
    return cli::UsageExit("esep-tabulator protocols", cl,
                          "usage: esep-tabulator protocols --data-dir DIR [--precinct P]\n"
                          "Lists the stored signed protocols in the order they arrived.\n",
                          specs);
  }
  absl::StatusOr<std::unique_ptr<transport::TabulationStore>> store = OpenDataDirStore(*cl);
  if (!store.ok()) return Fail("protocols", store.status());
  absl::StatusOr<std::vector<transport::StoredProtocol>> protocols =
      cl->Has("precinct") ? (*store)->History(*cl->Get("precinct")) : (*store)->Protocols();
  if (!protocols.ok()) return Fail("protocols", protocols.status());
  std::cout << "sequence  received              precinct  kind  revision  status      reader  "
               "sha256  software  key\n";
  for (const transport::StoredProtocol& p : *protocols) {
    std::cout << p.sequence << "  " << UtcRfc3339(p.received_unix_seconds) << "  " << p.precinct_id
              << "  " << (p.ballot_kind.empty() ? "-" : p.ballot_kind) << "  " << p.revision << "  "
              << ProtocolStatus_Name(p.status) << "  " << p.reader_serial << "  "
              << p.protocol_sha256 << "  " << CountedBy(p) << "\n";
  }
  return kExitOk;
}

int RunAlarms(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {kDataDir, kHelp};
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || !cl->Has("data-dir")) {
    return cli::UsageExit("esep-tabulator alarms", cl,
                          "usage: esep-tabulator alarms --data-dir DIR\n"
                          "Lists every refused submission with its reason.\n",
                          specs);
  }
  absl::StatusOr<std::unique_ptr<transport::TabulationStore>> store = OpenDataDirStore(*cl);
  if (!store.ok()) return Fail("alarms", store.status());
  absl::StatusOr<std::vector<transport::Alarm>> alarms = (*store)->Alarms();
  if (!alarms.ok()) return Fail("alarms", alarms.status());
  for (const transport::Alarm& a : *alarms) {
    std::cout << a.id << "  " << UtcRfc3339(a.at_unix_seconds) << "  " << a.code
              << "  precinct=" << a.precinct_id << "  reader=" << a.reader_serial << "  "
              << a.reason << "\n";
  }
  return alarms->empty() ? kExitOk : kExitRejected;
}

int RunHeld(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {kDataDir, kHelp};
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || !cl->Has("data-dir")) {
    return cli::UsageExit(
        "esep-tabulator held", cl,
        "usage: esep-tabulator held --data-dir DIR\n"
        "Lists the protocols held for review (stored, never counted: a relation no real count "
        "breaks)\nand the protocols refused for a number their precinct cannot have, each with "
        "its reason.\nExit status 1 while the latest protocol of some precinct is held.\n",
        specs);
  }
  absl::StatusOr<std::unique_ptr<transport::TabulationStore>> store = OpenDataDirStore(*cl);
  if (!store.ok()) return Fail("held", store.status());
  absl::StatusOr<std::vector<transport::StoredProtocol>> protocols = (*store)->Protocols();
  if (!protocols.ok()) return Fail("held", protocols.status());
  absl::StatusOr<std::vector<transport::StoredProtocol>> latest = (*store)->LatestProtocols();
  if (!latest.ok()) return Fail("held", latest.status());
  absl::StatusOr<std::vector<transport::Alarm>> alarms = (*store)->Alarms();
  if (!alarms.ok()) return Fail("held", alarms.status());
  std::map<std::string, std::uint32_t> latest_revision;
  for (const transport::StoredProtocol& p : *latest) latest_revision[p.precinct_id] = p.revision;

  bool under_review = false;
  std::cout << "Held for review (stored, not counted):\n"
            << "sequence  received  precinct  revision  reader  state  reason\n";
  for (const transport::StoredProtocol& p : *protocols) {
    if (!p.held()) continue;
    const std::uint32_t newest = latest_revision[p.precinct_id];
    under_review |= newest == p.revision;
    std::cout << p.sequence << "  " << UtcRfc3339(p.received_unix_seconds) << "  " << p.precinct_id
              << "  " << p.revision << "  " << p.reader_serial << "  "
              << (newest == p.revision ? std::string("UNDER REVIEW")
                                       : absl::StrCat("superseded by revision ", newest))
              << "  " << p.held_reason << "\n";
  }
  std::cout << "\nRefused, a number the precinct cannot have (not stored):\n"
            << "alarm  at  precinct  reader  sha256  reason\n";
  const std::string out_of_range = absl::StatusCodeToString(absl::StatusCode::kOutOfRange);
  for (const transport::Alarm& a : *alarms) {
    if (a.code != out_of_range) continue;
    std::cout << a.id << "  " << UtcRfc3339(a.at_unix_seconds) << "  " << a.precinct_id << "  "
              << a.reader_serial << "  " << a.protocol_sha256.substr(0, 16) << "  " << a.reason
              << "\n";
  }
  return under_review ? kExitRejected : kExitOk;
}

int RunResults(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      kDataDir,
      {"json", false, "print the results as JSON"},
      {"precinct", true, "print this precinct's results only (text)"},
      {"nist", true, "also write the NIST SP 1500-100 election results report (JSON) here"},
      kHelp};
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || !cl->Has("data-dir")) {
    return cli::UsageExit("esep-tabulator results", cl,
                          "usage: esep-tabulator results --data-dir DIR [--json | --precinct P] "
                          "[--nist OUT.json]\n"
                          "National and per-precinct results from the latest accepted protocol of "
                          "each precinct,\nre-verified and recomputed from the stored counts; "
                          "the protocols not counted are listed last,\nwith their reasons.\n",
                          specs);
  }
  absl::StatusOr<DataDir> dir = ExistingDataDir(*cl);
  if (!dir.ok()) return Fail("results", dir.status());
  // The definition (9 MB at 25,000 precincts) is loaded while the store is read and its
  // signatures verified, which need none of it.
  std::future<absl::StatusOr<Election>> loading = std::async(
      std::launch::async, [path = dir->election().string()] { return LoadElectionFile(path); });
  absl::StatusOr<std::unique_ptr<transport::TabulationStore>> store =
      transport::TabulationStore::Open(dir->store_address());
  absl::StatusOr<transport::ReadBackProtocols> protocols =
      store.ok() ? transport::ReadBackLatest(**store)
                 : absl::StatusOr<transport::ReadBackProtocols>(store.status());
  absl::StatusOr<Election> election = loading.get();
  if (!election.ok()) return Fail("results", election.status());
  if (!store.ok()) return Fail("results", store.status());
  if (!protocols.ok()) return Fail("results", protocols.status(), kExitRejected);
  absl::StatusOr<transport::Results> results =
      transport::CountReadBack(*election, *std::move(protocols));
  if (!results.ok()) return Fail("results", results.status(), kExitRejected);
  if (const std::optional<std::string> nist = cl->Get("nist")) {
    absl::StatusOr<std::string> report = transport::ExportNist1500_100(*election, *results);
    if (!report.ok()) return Fail("results", report.status(), kExitRejected);
    std::ofstream out(*nist, std::ios::trunc);
    out << *report;
    if (!out.flush()) {
      return Fail("results", absl::PermissionDeniedError(absl::StrCat("cannot write ", *nist)));
    }
  }
  if (cl->Has("json")) {
    absl::StatusOr<std::string> json = transport::FormatResultsJson(*results);
    if (!json.ok()) return Fail("results", json.status(), kExitRejected);
    std::cout << *json;
    return kExitOk;
  }
  absl::StatusOr<std::string> text = transport::FormatResultsText(*results, cl->Get("precinct"));
  if (!text.ok()) return Fail("results", text.status());
  std::cout << *text;
  return kExitOk;
}

int RunSetupPostgres(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"store", true, "the database, as the role that is to own the schema: postgresql://..."},
      {"centre-role", true, "the existing role the centre instances connect as"},
      kHelp};
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || !cl->Has("store") || !cl->Has("centre-role")) {
    return cli::UsageExit(
        "esep-tabulator setup-postgres", cl,
        "usage: esep-tabulator setup-postgres --store postgresql://OWNER@HOST/DB "
        "--centre-role ROLE\n"
        "Creates the centre's tables in a PostgreSQL database, owned by the connecting role, with "
        "triggers that\nrefuse any change or deletion, and lets ROLE insert and read only. Run "
        "once per database, on the primary.\n",
        specs);
  }
  if (absl::Status s = transport::SetUpPostgresSchema(*cl->Get("store"), *cl->Get("centre-role"));
      !s.ok()) {
    return Fail("setup-postgres", s, kExitRejected);
  }
  std::cout << "schema ready; the centre connects as " << *cl->Get("centre-role")
            << " (insert and read only)\n";
  return kExitOk;
}

}  // namespace

const std::vector<cli::Command>& Commands() {
  static const std::vector<cli::Command> kCommands = {
      {"init", "prepare a data directory: election, receipt key, store", RunInit},
      {"setup-postgres", "create the centre's schema in a PostgreSQL database", RunSetupPostgres},
      {"register-reader", "allow a reader to submit a precinct's protocol", RunRegisterReader},
      {"register-readers", "register a list of readers (CSV) in one transaction",
       RunRegisterReaders},
      {"revoke-reader", "refuse a lost, stolen or compromised reader for good", RunRevokeReader},
      {"readers", "list the registered readers and which are revoked", RunReaders},
      {"serve", "receive signed protocols over mutual TLS", RunServe},
      {"protocols", "list the stored signed protocols", RunProtocols},
      {"alarms", "list the refused submissions", RunAlarms},
      {"held", "list the protocols held for review or refused as impossible", RunHeld},
      {"results", "national and per-precinct results, text, JSON or NIST SP 1500-100", RunResults},
      {"site", "write the public results site (HTML, JSON, signed protocols, manifest)", RunSite},
      {"serve-site", "serve the public results site read-only on one machine", RunServeSite},
  };
  return kCommands;
}

}  // namespace esep::tabulator
