// esep election: validates an election definition and prints its hash and contents.
#include <iostream>

#include "command_line.h"
#include "commands.h"
#include "esep/proto/election.h"

namespace esep::cli {

int RunElectionCommand(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {{"help", false, "print this help"}};
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || cl->positional().size() != 1) {
    return UsageExit("esep election", cl,
                     "usage: esep election ELECTION.json\n"
                     "Validates the definition; prints its hash, contests and ballot styles.\n",
                     specs);
  }
  absl::StatusOr<Election> election = LoadElectionFile(cl->positional()[0]);
  if (!election.ok()) {
    std::cerr << "esep election: " << election.status().message() << "\n";
    return kExitUsage;
  }
  std::cout << "election " << election->id() << " (" << election->date() << ")\n"
            << "hash     " << ElectionHash(*election) << "\n";
  for (const Contest& contest : election->contests()) {
    std::cout << "contest  " << contest.id() << ": vote for " << contest.vote_for() << " of "
              << contest.options_size() << " options\n";
  }
  for (const BallotKind& kind : election->ballot_kinds()) {
    std::cout << "kind     " << kind.id() << ": " << kind.name().ru() << "\n";
  }
  for (const BallotStyle& style : election->ballot_styles()) {
    std::cout << "style    " << style.id() << ": " << style.targets_size() << " targets, "
              << style.precinct_ids_size() << " precincts";
    if (!style.ballot_kind().empty()) std::cout << ", ballot kind " << style.ballot_kind();
    std::cout << "\n";
  }
  return kExitOk;
}

}  // namespace esep::cli
