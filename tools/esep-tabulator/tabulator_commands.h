#ifndef ESEP_TOOLS_ESEP_TABULATOR_TABULATOR_COMMANDS_H_
#define ESEP_TOOLS_ESEP_TABULATOR_TABULATOR_COMMANDS_H_

#include <filesystem>
#include <string>
#include <vector>

#include "commands.h"

namespace esep::tabulator {

// The centre's data directory: the election it tabulates, its receipt-signing key and its store:
// the SQLite file in it, or the database that the file `store` names (a postgresql:// URI, written
// by `init --store`), which several centre instances share.
struct DataDir {
  std::filesystem::path root;
  std::filesystem::path election() const { return root / "election.json"; }
  std::filesystem::path key() const { return root / "centre.key"; }
  std::filesystem::path store() const { return root / "tabulation.db"; }
  std::filesystem::path store_address_file() const { return root / "store"; }
  // The address TabulationStore::Open is given.
  std::string store_address() const;
};

// The table of esep-tabulator's subcommands, in the order its help lists them.
const std::vector<cli::Command>& Commands();

}  // namespace esep::tabulator

#endif  // ESEP_TOOLS_ESEP_TABULATOR_TABULATOR_COMMANDS_H_
