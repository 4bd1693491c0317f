// esep members: the commission members who sign in at the box's screen, each with a PIN.
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "command_line.h"
#include "commands.h"
#include "esep/scanner/screen.h"

namespace esep::cli {

int RunMembersCommand(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"data-dir", true, "esepd's data directory (default /var/lib/esep)"},
      {"pin-file", true, "read the PIN from this file instead of the terminal"},
      {"help", false, "print this help"}};
  absl::StatusOr<CommandLine> cl = ParseWithAction(args, specs, {"add", "list"}, true);
  if (!cl.ok() || cl->Has("help") ||
      (cl->positional()[0] == "add" && cl->positional().size() != 2)) {
    return UsageExit("esep members", cl,
                     "usage: esep members add NAME [--data-dir DIR] [--pin-file FILE]\n"
                     "       esep members list [--data-dir DIR]\n"
                     "  add   set the PIN of a commission member (asked for; 4 to 12 digits)\n"
                     "  list  the members who can sign in at the box's screen\n",
                     specs);
  }
  const std::filesystem::path file =
      std::filesystem::path(cl->Get("data-dir").value_or("/var/lib/esep")) / "members";
  if (cl->positional()[0] == "list") {
    absl::StatusOr<scanner::CommissionMembers> members = scanner::CommissionMembers::Load(file);
    if (!members.ok()) {
      std::cerr << "esep members: " << members.status().message() << "\n";
      return kExitRejected;
    }
    std::cout << members->size() << " members in " << file.string() << "\n";
    return kExitOk;
  }
  std::string pin;
  if (const std::optional<std::string> pin_file = cl->Get("pin-file")) {
    std::ifstream in(*pin_file);
    if (!std::getline(in, pin)) {
      std::cerr << "esep members: cannot read a PIN from " << *pin_file << "\n";
      return kExitUsage;
    }
  } else {
    if (::isatty(STDIN_FILENO))
      std::cout << "PIN for " << cl->positional()[1] << ": " << std::flush;
    if (!std::getline(std::cin, pin)) {
      std::cerr << "esep members: no PIN given\n";
      return kExitUsage;
    }
  }
  if (absl::Status s = scanner::CommissionMembers::Add(file, cl->positional()[1], pin); !s.ok()) {
    std::cerr << "esep members: " << s.message() << "\n";
    return absl::IsInvalidArgument(s) ? kExitUsage : kExitRejected;
  }
  std::cout << "member " << cl->positional()[1] << " can sign in at the box's screen\n";
  return kExitOk;
}

}  // namespace esep::cli
