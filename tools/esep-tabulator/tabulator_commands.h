#ifndef ESEP_TOOLS_ESEP_TABULATOR_TABULATOR_COMMANDS_H_
#define ESEP_TOOLS_ESEP_TABULATOR_TABULATOR_COMMANDS_H_

#include <filesystem>
#include <string>
#include <vector>

#include "commands.h"

namespace esep::tabulator {

// The centre's data directory: the election it tabulates, its receipt-signing key and its store.
struct DataDir {
  std::filesystem::path root;
  std::filesystem::path election() const { return root / "election.json"; }
  std::filesystem::path key() const { return root / "centre.key"; }
  std::filesystem::path store() const { return root / "tabulation.db"; }
};

// The table of esep-tabulator's subcommands, in the order its help lists them.
const std::vector<cli::Command>& Commands();

}  // namespace esep::tabulator

#endif  // ESEP_TOOLS_ESEP_TABULATOR_TABULATOR_COMMANDS_H_
