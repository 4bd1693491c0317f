// esepd: the precinct reader's daemon. Drives the ballot reader, reads every ballot, casts it or
// hands it back, keeps the tally durably, and takes the commission's commands on a Unix socket
// (`esep poll ...`). Runs under systemd (Type=notify, watchdog) or in the foreground.
#include <systemd/sd-daemon.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "command_line.h"
#include "commands.h"
#include "delivery.h"
#include "esep/proto/election.h"
#include "esep/proto/software_identity.h"
#include "esep/report/protocol_sheet.h"
#include "esep/scanner/control.h"
#include "esep/scanner/data_dir_lock.h"
#include "esep/scanner/precinct.h"
#include "esep/scanner/screen.h"
#include "esep/transport/key_store.h"
#include "esep/transport/protocol_client.h"
#include "esep/transport/signing.h"
#include "esep/transport/tls.h"
#include "key_flags.h"
#include "reader_flags.h"

namespace {

// The tally store or the signing key needs a technician (damaged, rolled back, missing): the
// service manager does not restart esepd on this status (esepd.service,
// RestartPreventExitStatus).
constexpr int kExitNeedsTechnician = 3;

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

using esep::cli::CommandLine;
using esep::cli::FlagSpec;

const std::vector<FlagSpec> kFlags = {
    {"election", true, "election definition (JSON)"},
    {"precinct", true, "the precinct this reader counts"},
    {"data-dir", true, "tally store directory (default /var/lib/esep)"},
    {"socket", true, "control socket (default /run/esep/esepd.sock)"},
    {"key", true,
     "the reader's Ed25519 signing key (default DATA_DIR/keys/reader.key); made only with "
     "--new-reader, never replaced"},
    {"witness", true,
     "the store's witness file, best on other storage than DATA_DIR (default DATA_DIR/witness): "
     "a store rolled back, swapped or removed behind it is refused"},
    {"new-reader", false,
     "set up a new reader: make its signing key and an empty tally store. Refused when a store "
     "exists; without it a missing key or store stops esepd"},
    esep::cli::kPkcs11ModuleFlag,
    esep::cli::kPkcs11TokenFlag,
    esep::cli::kPkcs11KeyFlag,
    esep::cli::kPkcs11PinFileFlag,
    esep::cli::kSimFlag,
    esep::cli::kDeviceFlag,
    esep::cli::kSerialFlag,
    {"sim-paper", true,
     "with --sim: file keeping where the simulated reader's paper is, so a restart (even after "
     "kill -9) finds it there, as with a real reader"},
    {"calibration", true,
     "the reader's calibration profile from esep calibrate; kept in the store's history. The "
     "polls open only with a passed, fresh profile of this reader"},
    {"centre", true,
     "the tabulation centre, HOST:PORT, or its instances HOST:PORT,HOST:PORT,... tried in turn "
     "when one does not answer; without it protocols wait in the outbox"},
    {"centre-ca", true, "the CA of the centre's TLS certificate (PEM)"},
    {"centre-key", true, "the centre's published Ed25519 key (.pub) that signs its receipts"},
    {"client-cert", true, "this reader's TLS client certificate (PEM)"},
    {"client-key", true, "this reader's TLS private key (PEM)"},
    {"sim-voter", true,
     "with --sim: what the simulated voter does with a returned ballot: "
     "take-back (default), cast-as-is, or screen (the voter chooses on the box's screen)"},
    {"sim-script", true,
     "with --sim: reader faults by sheet of the deck (1 is the first), e.g. 3=jam,5=cover-open "
     "(jam, cover-open, double-feed, takes-back); for tests and training"},
    {"screen", true,
     "serve the box's screen at 127.0.0.1:PORT (loopback only; 0: any free port) for the "
     "kiosk browser"},
    {"screen-assets", true, "the screen's page (default /usr/share/esep/screen)"},
    {"help", false, "print this help"},
    {"version", false, "print the version, source commit and executable SHA-256"},
};

constexpr char kDefaultDataDir[] = "/var/lib/esep";

void Say(const std::string& line) {
  std::cout << line << std::endl;  // one line per ballot and command, for the journal
}

std::string Outcome(const esep::scanner::SheetResult& r) {
  using esep::scanner::SheetOutcome;
  switch (r.outcome) {
    case SheetOutcome::kCast:
      return "cast into the box";
    case SheetOutcome::kReturned:
      return absl::StrCat("returned to the voter: ", r.decision.return_reason);
    case SheetOutcome::kAwaitingVoter:
      return absl::StrCat("held for the voter: ", r.decision.return_reason);
  }
  return "";
}

// --sim-script 3=jam,5=cover-open: what befalls sheets of the simulated deck (1-based).
absl::Status ParseSimScript(const std::string& text, esep::scanner::SimulatedReaderOptions& sim) {
  using esep::scanner::SheetScript;
  const std::map<std::string, SheetScript> kinds = {{"jam", SheetScript::kJam},
                                                    {"cover-open", SheetScript::kCoverOpen},
                                                    {"double-feed", SheetScript::kDoubleFeed},
                                                    {"takes-back", SheetScript::kVoterTakesBack}};
  for (const std::string& item :
       std::vector<std::string>(absl::StrSplit(text, ',', absl::SkipEmpty()))) {
    const std::pair<std::string, std::string> parts = absl::StrSplit(item, absl::MaxSplits('=', 1));
    int sheet = 0;
    const auto kind = kinds.find(parts.second);
    if (!absl::SimpleAtoi(parts.first, &sheet) || sheet < 1 || kind == kinds.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--sim-script: \"", item, "\" is not SHEET=jam|cover-open|double-feed|takes-back"));
    }
    sim.script[static_cast<std::size_t>(sheet - 1)] = kind->second;
  }
  return absl::OkStatus();
}

// A fault after which the reader takes no paper until a member has cleared it.
bool HoldsTheReader(const esep::ReaderFault& fault) {
  return fault.kind() == "jam" || fault.kind() == "cover-open" || fault.kind() == "box-full" ||
         fault.kind() == "paper-in-path";
}

int Run(const CommandLine& cl) {
  absl::StatusOr<std::string> election_path = cl.Require("election");
  absl::StatusOr<std::string> precinct_id = cl.Require("precinct");
  absl::StatusOr<esep::scanner::ReaderSelection> selection =
      esep::cli::ReaderSelectionFromFlags(cl);
  if (selection.ok()) selection->simulated.state_file = cl.Get("sim-paper").value_or("");
  if (selection.ok()) {
    if (absl::Status s = ParseSimScript(cl.Get("sim-script").value_or(""), selection->simulated);
        !s.ok()) {
      selection = s;
    }
  }
  const std::string voter = cl.Get("sim-voter").value_or("take-back");
  for (const absl::Status& s : {election_path.status(), precinct_id.status(), selection.status()}) {
    if (!s.ok()) {
      std::cerr << "esepd: " << s.message() << "\n";
      return esep::cli::kExitUsage;
    }
  }
  if (voter != "take-back" && voter != "cast-as-is" && voter != "screen") {
    std::cerr << "esepd: --sim-voter must be take-back, cast-as-is or screen\n";
    return esep::cli::kExitUsage;
  }
  // The screen is for the box itself: an address off the loopback interface is refused first.
  std::optional<std::pair<std::string, int>> screen_address;
  if (const std::optional<std::string> address = cl.Get("screen")) {
    absl::StatusOr<std::pair<std::string, int>> where = esep::scanner::ParseScreenAddress(*address);
    if (!where.ok()) {
      std::cerr << "esepd: " << where.status().message() << "\n";
      return esep::cli::kExitUsage;
    }
    screen_address = *where;
  }
  absl::StatusOr<esep::Election> election = esep::LoadElectionFile(*election_path);
  if (!election.ok()) {
    std::cerr << "esepd: " << election.status().message() << "\n";
    return esep::cli::kExitUsage;
  }
  // One esepd per data directory, for the life of the process, and then its socket: both are
  // refused before the reader moves paper or the store is opened.
  const std::string data_dir = cl.Get("data-dir").value_or(kDefaultDataDir);
  absl::StatusOr<esep::scanner::DataDirLock> lock = esep::scanner::DataDirLock::Acquire(data_dir);
  if (!lock.ok()) {
    std::cerr << "esepd: " << lock.status().message() << "\n";
    return esep::cli::kExitRejected;
  }
  const std::string socket_path = cl.Get("socket").value_or("/run/esep/esepd.sock");
  absl::StatusOr<std::unique_ptr<esep::scanner::ControlServer>> server =
      esep::scanner::ControlServer::Listen(socket_path);
  if (!server.ok()) {
    std::cerr << "esepd: " << server.status().message() << "\n";
    // A path that is not a socket is a wrong flag; a restart cannot mend it.
    return absl::IsInvalidArgument(server.status()) ? esep::cli::kExitUsage
                                                    : esep::cli::kExitRejected;
  }
  absl::StatusOr<esep::scanner::OpenedReader> reader = esep::scanner::OpenReader(*selection);
  if (!reader.ok()) {
    std::cerr << "esepd: " << reader.status().message() << "\n";
    return esep::cli::kExitRejected;
  }
  Say(absl::StrCat("esepd: ", reader->description));

  const bool new_reader = cl.Has("new-reader");
  if (new_reader && std::filesystem::exists(std::filesystem::path(data_dir) / "esep.db")) {
    std::cerr << "esepd: --new-reader: " << data_dir
              << " already holds a tally store; start esepd without --new-reader\n";
    return esep::cli::kExitUsage;
  }
  const std::string key_path = cl.Get("key").value_or(absl::StrCat(data_dir, "/keys/reader.key"));
  absl::StatusOr<std::unique_ptr<esep::transport::Signer>> key =
      esep::cli::OpenSigner(cl, key_path, new_reader);
  if (absl::IsNotFound(key.status()) && !esep::cli::WantsTokenKey(cl)) {
    std::cerr << "esepd: the reader's signing key " << key_path
              << " is missing. esepd never makes a new key by itself: protocols signed by a key "
                 "the centre does not know would be refused. A technician restores the key from "
                 "its backup (docs/esepd.md, \"A damaged store\"), or sets up a new reader once "
                 "with --new-reader\n";
    return kExitNeedsTechnician;
  }
  if (!key.ok()) {
    std::cerr << "esepd: " << key.status().message() << "\n";
    return kExitNeedsTechnician;
  }
  const esep::transport::Signer& signing_key = **key;
  Say(absl::StrCat("esepd: signing key ", esep::transport::KeyId(signing_key.public_key()), ", ",
                   signing_key.Description()));
  // Every signed protocol names the software that made it and where the key that signs it lives.
  esep::scanner::ProtocolSigner signer = [&signing_key](const esep::PrecinctProtocol& protocol) {
    esep::PrecinctProtocol stamped = protocol;
    *stamped.mutable_software() = esep::ThisSoftware("esepd");
    stamped.set_signing_key(signing_key.Description());
    return esep::transport::SignProtocol(stamped, signing_key);
  };

  std::optional<esep::CalibrationProfile> calibration;
  if (const std::optional<std::string> path = cl.Get("calibration")) {
    std::ifstream in(*path, std::ios::binary);
    calibration.emplace();
    if (!in || !calibration->ParseFromIstream(&in)) {
      std::cerr << "esepd: " << *path << " is not a calibration profile (esep calibrate --out)\n";
      return esep::cli::kExitUsage;
    }
  }
  std::unique_ptr<esep::transport::ProtocolSender> client;
  std::string centre_key;
  if (const std::optional<std::string> centre = cl.Get("centre")) {
    absl::StatusOr<esep::transport::TlsFiles> tls = esep::transport::LoadTlsFiles(
        cl.Get("client-cert").value_or(""), cl.Get("client-key").value_or(""),
        cl.Get("centre-ca").value_or(""));
    absl::StatusOr<std::string> published =
        esep::transport::LoadPublicKey(cl.Get("centre-key").value_or(""));
    absl::StatusOr<std::vector<std::string>> targets = esep::transport::ParseCentreTargets(*centre);
    esep::transport::ClientOptions options;
    if (tls.ok()) options.tls = *tls;
    absl::StatusOr<std::unique_ptr<esep::transport::ProtocolSender>> connected =
        !tls.ok() ? absl::StatusOr<std::unique_ptr<esep::transport::ProtocolSender>>(tls.status())
        : !targets.ok()
            ? absl::StatusOr<std::unique_ptr<esep::transport::ProtocolSender>>(targets.status())
            : esep::transport::ConnectToCentres(options, *targets);
    for (const absl::Status& s : {connected.status(), published.status()}) {
      if (!s.ok()) {
        std::cerr << "esepd: the tabulation centre: " << s.message() << "\n";
        return esep::cli::kExitUsage;
      }
    }
    client = std::move(*connected);
    centre_key = *published;
  }

  esep::scanner::SystemClock clock;
  esep::scanner::Precinct::Config config{*election, *precinct_id, data_dir, std::nullopt, signer};
  config.calibration = calibration;
  config.software = esep::ThisSoftware("esepd");
  config.signing_key = signing_key.Description();
  config.require_calibration = true;
  config.create_store = new_reader;
  config.witness = cl.Get("witness").value_or(absl::StrCat(data_dir, "/witness"));
  absl::StatusOr<std::unique_ptr<esep::scanner::Precinct>> precinct =
      esep::scanner::Precinct::Open(std::move(config), *reader->reader, clock);
  if (!precinct.ok()) {
    std::cerr << "esepd: " << precinct.status().message() << "\n";
    // A damaged, rolled-back or missing store waits for a technician; a restart cannot help.
    return absl::IsDataLoss(precinct.status()) || absl::IsFailedPrecondition(precinct.status())
               ? kExitNeedsTechnician
               : esep::cli::kExitRejected;
  }
  esep::scanner::Precinct& p = **precinct;
  for (std::int64_t sheet : p.recovery().returned) {
    Say(absl::StrCat("esepd: sheet ", sheet, " was not finished before the restart: returned"));
  }
  for (std::int64_t sheet : p.reconciled()) {
    Say(absl::StrCat("esepd: sheet ", sheet, " had no confirmed drop; settled by the sensors"));
  }
  Say(absl::StrCat("esepd: election ", election->id(), ", precinct ", *precinct_id, ", ",
                   esep::scanner::PollStateName(p.state()), ", commands on ", socket_path));

  // The box's screen: a second client of this loop, beside the console.
  std::unique_ptr<esep::scanner::ScreenServer> screen;
  if (screen_address) {
    const auto& where = screen_address;
    esep::scanner::ScreenServer::Options options;
    options.host = where->first;
    options.port = where->second;
    options.assets = cl.Get("screen-assets").value_or("/usr/share/esep/screen");
    options.members_file = std::filesystem::path(data_dir) / "members";
    options.election = *election;
    options.log = [](const std::string& line) { Say(absl::StrCat("esepd: ", line)); };
    // People read the screen in Kyrgyz or Russian: without the catalogs it does not start.
    absl::StatusOr<esep::text::Catalog> catalog = esep::text::Catalog::Load("esep");
    if (!catalog.ok()) {
      std::cerr << "esepd: the screen's texts: " << catalog.status().message() << "\n";
      return esep::cli::kExitUsage;
    }
    options.catalog = std::make_shared<const esep::text::Catalog>(*std::move(catalog));
    options.print = [election = *election](const esep::ControlResponse& answer) {
      return esep::report::PdfOfAnswer(election, answer);
    };
    absl::StatusOr<std::unique_ptr<esep::scanner::ScreenServer>> started =
        esep::scanner::ScreenServer::Start(std::move(options));
    if (!started.ok()) {
      std::cerr << "esepd: " << started.status().message() << "\n";
      return esep::cli::kExitUsage;
    }
    screen = *std::move(started);
    (*server)->WakeOn(screen->wake_fd());
    Say(absl::StrCat("esepd: the box's screen is at http://127.0.0.1:", screen->port(), "/"));
  }

  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::uint64_t watchdog_usec = 0;
  const bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;
  sd_notify(0, "READY=1");
  auto last_ping = std::chrono::steady_clock::now();
  std::string last_return;
  bool storage_fault_said = false;
  if (p.calibration().format_version() == 0) {
    Say("esepd: this reader has no calibration profile; the polls will not open without one");
  }

  // The precinct is shared with the delivery thread; this lock keeps them apart.
  std::mutex precinct_lock;
  esep::daemon::PrecinctOutbox outbox(p, precinct_lock);
  std::jthread delivery;
  if (client) {
    delivery = std::jthread([&](std::stop_token stop) {
      esep::transport::DeliveryLoop loop(
          client.get(), &outbox, centre_key, {}, {}, [](const absl::Status& failure) {
            Say(absl::StrCat("esepd: protocol not delivered yet, will retry: ", failure.message()));
          });
      loop.Run(stop, absl::Seconds(1));
    });
  } else {
    Say("esepd: no tabulation centre configured (--centre); final protocols wait in the outbox");
  }

  // The loop waits only where nothing is to be done, and then in one poll() on everything that
  // can end the wait: a console's request, the screen, and while paper is taken the reader's
  // event descriptor (a sheet at the entry ends the wait at once). A sheet waiting at the entry is
  // read before the loop waits again. kIdleWait bounds a wait in which nothing happens, for the
  // watchdog, the screen's clock and a signal to stop; it delays nothing that arrives. Only a
  // reader without an event descriptor (Reader::EventFd) is waited on in PollEvent, for at most
  // kReaderWait, with the consoles served between waits.
  constexpr std::chrono::milliseconds kReaderWait(50);
  constexpr std::chrono::milliseconds kIdleWait(200);
  const int reader_fd = reader->reader->EventFd();
  const auto started = std::chrono::steady_clock::now();
  const auto since_start = [&started](const esep::scanner::SheetMoment& t) {
    return absl::StrFormat("%.6f", std::chrono::duration<double>(t.wall - started).count());
  };
  const auto cpu_ms = [](const esep::scanner::SheetMoment& from,
                         const esep::scanner::SheetMoment& to) {
    return absl::StrFormat(
        "%.2f", std::chrono::duration<double, std::milli>(to.thread_cpu - from.thread_cpu).count());
  };
  // What the screen shows: the latest sheet for the voter and a fault that holds the reader.
  esep::VoterEvent voter_event;
  std::optional<esep::ReaderFault> reader_fault;
  bool screen_stale = true;
  auto published = std::chrono::steady_clock::time_point();
  const auto voter_saw = [&](esep::VoterEvent event) {
    event.set_seq(voter_event.seq() + 1);
    voter_event = std::move(event);
    screen_stale = true;
  };
  // Every command, from the console or the screen: one dispatch on this thread.
  const auto handle = [&](const esep::ControlRequest& request) {
    std::lock_guard<std::mutex> hold(precinct_lock);
    esep::ControlRequest carried = request;
    if (request.command() == esep::ControlRequest::RESUME_READER) {
      if (reader_fault) Say("esepd: a member cleared the reader; it takes paper again");
      reader_fault.reset();
      carried.set_command(esep::ControlRequest::STATUS);
    }
    const bool was_holding = p.holding_for_voter();
    esep::ControlResponse response = esep::scanner::HandleControlRequest(p, carried, last_return);
    if (response.ok() && was_holding && !p.holding_for_voter()) {
      esep::VoterEvent chosen;
      const bool cast = request.command() == esep::ControlRequest::CAST_AS_IS;
      chosen.set_kind(cast ? esep::VoterEvent::COUNTED : esep::VoterEvent::RETURNED);
      chosen.set_taken_back(!cast);
      voter_saw(std::move(chosen));
    }
    screen_stale = true;
    Say(absl::StrCat("esepd: ", esep::ControlRequest::Command_Name(request.command()), " -> ",
                     response.ok() ? "ok" : response.error(), " (", response.poll_state(), ")"));
    return response;
  };
  const auto serve = [&](std::chrono::milliseconds timeout, int wake_on_reader) {
    absl::StatusOr<bool> served = (*server)->Serve(timeout, handle, wake_on_reader);
    if (!served.ok()) Say(absl::StrCat("esepd: control socket: ", served.status().message()));
    if (screen) screen->RunPending(handle);
  };
  // The screen polls what it shows; it is made again after a change, and twice a second for
  // the clock and the delivery.
  const auto publish = [&]() {
    if (!screen) return;
    const auto now = std::chrono::steady_clock::now();
    if (!screen_stale && now - published < std::chrono::milliseconds(500)) return;
    std::lock_guard<std::mutex> hold(precinct_lock);
    screen->Publish(esep::scanner::DescribeForScreen(p, *precinct_id, voter_event, reader_fault));
    screen_stale = false;
    published = now;
  };
  while (!g_stop) {
    // Consoles first, without waiting: a silent or slow one is served between sheets or dropped.
    serve(std::chrono::milliseconds(0), -1);
    publish();

    std::unique_lock<std::mutex> hold(precinct_lock);
    const bool accepting = (esep::scanner::AcceptsLiveBallots(p.state()) ||
                            esep::scanner::AcceptsTestBallots(p.state())) &&
                           !reader_fault;
    // What the loop waits on when this pass leaves nothing to do.
    enum class Wait { kNone, kReader, kConsole } wait = Wait::kConsole;
    if (!p.storage_fault().ok()) {
      // Nothing more can be made durable: no paper is taken, a sheet held goes back uncounted.
      if (!storage_fault_said) {
        Say(absl::StrCat("esepd: STORAGE FAULT: ", p.storage_fault().message(),
                         "; the reader takes no paper; call the technician"));
        storage_fault_said = true;
        screen_stale = true;
        // Hands back a sheet the reader holds; anything but the fault itself is news.
        if (absl::Status s = p.SettleAfterReaderFault(); !s.ok() && s != p.storage_fault()) {
          Say(absl::StrCat("esepd: the reader needs a technician: ", s.message()));
        }
        sd_notify(0, "STATUS=storage fault: the reader takes no paper");
      }
    } else if (accepting && !p.holding_for_voter()) {
      // Let the reader report what happened at its entry, then read a waiting sheet.
      wait = Wait::kReader;
      absl::StatusOr<std::optional<esep::reader::Event>> event =
          reader->reader->PollEvent(std::chrono::milliseconds(0));
      if (!event.ok()) Say(absl::StrCat("esepd: reader: ", event.status().message()));
      absl::StatusOr<esep::reader::DeviceStatus> status = reader->reader->GetStatus();
      if (status.ok() && status->paper_at_entry()) {
        wait = Wait::kNone;
        const esep::scanner::SheetMoment at_entry = esep::scanner::SheetMoment::Now();
        if (screen) {
          esep::VoterEvent reading;
          reading.set_kind(esep::VoterEvent::READING);
          voter_saw(std::move(reading));
          screen->Publish(
              esep::scanner::DescribeForScreen(p, *precinct_id, voter_event, reader_fault));
        }
        absl::StatusOr<esep::scanner::SheetResult> result = p.FeedSheet();
        if (result.ok()) {
          voter_saw(esep::scanner::VoterEventOf(*result, *election));
          if (!result->decision.cast) last_return = result->decision.return_reason;
          // The times, in seconds since esepd started, and this thread's CPU time in between
          // let tools/sheet-latency.sh measure a day's sheets from the journal.
          Say(absl::StrCat(
              "esepd: sheet ", result->sheet, ": ", Outcome(*result),
              result->decided_at
                  ? absl::StrCat(" [at the entry ", since_start(at_entry), " s, scanned ",
                                 since_start(result->scanned_at), " s, decision on disk ",
                                 since_start(*result->decided_at), " s; CPU from the entry ",
                                 cpu_ms(at_entry, *result->decided_at), " ms, from the scan ",
                                 cpu_ms(result->scanned_at, *result->decided_at), " ms]")
                  : ""));
        } else {
          Say(absl::StrCat("esepd: sheet not read: ", result.status().message()));
          esep::ReaderFault fault =
              esep::scanner::ReaderFaultOf(result.status(), reader->reader->GetStatus());
          if (HoldsTheReader(fault)) {
            Say(absl::StrCat("esepd: reader fault (", fault.kind(),
                             "): no paper is taken until a member clears it (esep poll resume)"));
            reader_fault = std::move(fault);
          }
          esep::VoterEvent back;
          back.set_kind(esep::VoterEvent::RETURNED);
          back.set_cause("reader");
          voter_saw(std::move(back));
          // A jam, double feed or lost drop: the journal is settled before the paper moves.
          if (absl::Status s = p.SettleAfterReaderFault(); !s.ok()) {
            Say(absl::StrCat("esepd: the reader needs a technician: ", s.message()));
          }
        }
      }
    }
    if (p.holding_for_voter() && reader->simulated && p.storage_fault().ok() && voter != "screen") {
      absl::StatusOr<esep::scanner::SheetResult> r = p.VoterChoice(voter == "cast-as-is");
      if (r.ok()) {
        Say(absl::StrCat("esepd: sheet ", r->sheet, ": the voter chose: ", Outcome(*r)));
        voter_saw(esep::scanner::VoterEventOf(*r, *election));
      }
      wait = Wait::kNone;
    }
    if (wait == Wait::kReader && reader_fd < 0) {
      // Ends as soon as the reader reports anything (a sheet inserted, a cover, a jam). A reader
      // that cannot block or cannot be reached answers at once; the consoles are then waited on
      // instead, so the loop never spins.
      const auto before = std::chrono::steady_clock::now();
      absl::StatusOr<std::optional<esep::reader::Event>> event =
          reader->reader->PollEvent(kReaderWait);
      if (!event.ok()) Say(absl::StrCat("esepd: reader: ", event.status().message()));
      const bool waited = std::chrono::steady_clock::now() - before >= kReaderWait / 2;
      if (!event.ok() || (!event->has_value() && !waited)) wait = Wait::kConsole;
    }
    hold.unlock();
    if (wait == Wait::kConsole) serve(kIdleWait, -1);
    if (wait == Wait::kReader && reader_fd >= 0) serve(kIdleWait, reader_fd);
    if (watchdog && std::chrono::steady_clock::now() - last_ping >
                        std::chrono::microseconds(watchdog_usec / 2)) {
      sd_notify(0, "WATCHDOG=1");
      last_ping = std::chrono::steady_clock::now();
    }
  }
  sd_notify(0, "STOPPING=1");
  Say("esepd: stopped");
  return esep::cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  absl::StatusOr<CommandLine> cl =
      CommandLine::Parse(std::vector<std::string>(argv + 1, argv + argc), kFlags);
  if (cl.ok() && cl->Has("version")) return esep::cli::PrintVersion("esepd");
  if (!cl.ok() || cl->Has("help") || !cl->positional().empty()) {
    return esep::cli::UsageExit(
        "esepd", cl,
        "usage: esepd --election E.json --precinct P [--data-dir DIR] [--socket PATH] [--key K]\n"
        "             [--witness FILE] [--new-reader]\n"
        "             [--sim DECK [--sim-paper FILE] | --device VID:PID | --serial S]\n"
        "             [--sim-voter ...]\n",
        kFlags);
  }
  return Run(*cl);
}
