// esep log: reads the tally store's hash-chained event log without changing anything, while
// esepd runs or after the election: `verify` checks the chain, `show` prints it.
#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "command_line.h"
#include "commands.h"
#include "esep/proto/utc_time.h"
#include "esep/scanner/ballot_store.h"

namespace esep::cli {

int RunLogCommand(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"data-dir", true, "tally store directory (default /var/lib/esep)"},
      {"witness", true, "the store's witness file (default DATA_DIR/witness, when present)"},
      {"help", false, "print this help"},
  };
  absl::StatusOr<CommandLine> cl = ParseWithAction(args, specs, {"verify", "show"});
  if (!cl.ok() || cl->Has("help")) {
    return UsageExit("esep log", cl,
                     "usage: esep log verify|show [--data-dir DIR] [--witness FILE]\n"
                     "verify: checks that the event log is one unbroken hash chain; prints the\n"
                     "        number of entries and the head hash; then checks the whole store\n"
                     "        as esepd does at start (database file, books, images, witness).\n"
                     "        Exit 0 intact, 1 broken or damaged.\n"
                     "show:   prints every entry, then the result of verify.\n"
                     "The store is opened read-only; esepd may keep running.\n",
                     specs);
  }
  const std::string dir = cl->Get("data-dir").value_or("/var/lib/esep");
  absl::StatusOr<std::unique_ptr<scanner::BallotStore>> store =
      scanner::BallotStore::OpenReadOnly(dir);
  if (!store.ok()) {
    std::cerr << "esep log: " << store.status().message() << "\n";
    return kExitUsage;
  }
  absl::StatusOr<std::vector<LogEvent>> events = (*store)->Events();
  if (!events.ok()) {
    std::cerr << "esep log: cannot read the event log in " << dir << ": "
              << events.status().message() << "\n";
    return kExitUsage;
  }
  if (cl->positional()[0] == "show") {
    for (const LogEvent& e : *events) {
      std::cout << e.sequence() << "  " << UtcText(e.unix_seconds()) << "  " << e.type() << "  "
                << e.detail() << "  " << e.hash().substr(0, 16) << "\n";
    }
  }
  if (absl::Status chain = scanner::VerifyEventChain(*events); !chain.ok()) {
    std::cout << "BROKEN: " << chain.message() << "\n";
    return kExitRejected;
  }
  std::cout << "event log intact: " << events->size() << " entries, head "
            << (events->empty() ? std::string("(empty)") : events->back().hash()) << "\n";
  // The whole store, as esepd checks it before it counts on it.
  const std::filesystem::path witness =
      cl->Get("witness").value_or((std::filesystem::path(dir) / "witness").string());
  std::error_code ec;
  const bool has_witness = std::filesystem::exists(witness, ec);
  absl::StatusOr<std::string> election = (*store)->GetSetting("election_hash");
  absl::Status checked = has_witness && election.ok()
                             ? (*store)->CheckWithWitness(witness, *election)
                             : (*store)->CheckStore();
  if (!checked.ok()) {
    std::cout << "DAMAGED: " << checked.message() << "\n";
    return kExitRejected;
  }
  std::cout << "store intact: database file, journal, counters, records and images agree"
            << (has_witness ? absl::StrCat("; witness ", witness.string(), " agrees")
                            : std::string("; no witness found"))
            << "\n";
  return kExitOk;
}

}  // namespace esep::cli
