// esep-tabulator: the tabulation centre that receives the readers' signed precinct protocols.
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"
#include "tabulator_commands.h"

namespace {

int Usage(std::ostream& out) {
  out << "usage: esep-tabulator COMMAND [FLAGS]\n\ncommands:\n";
  for (const esep::cli::Command& c : esep::tabulator::Commands()) {
    std::string name = c.name;
    name.resize(16, ' ');
    out << "  " << name << c.summary << "\n";
  }
  out << "\n'esep-tabulator COMMAND --help' describes a command's flags.\n";
  return esep::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage(std::cerr);
  const std::string name = argv[1];
  if (name == "help" || name == "--help" || name == "-h") {
    Usage(std::cout);
    return esep::cli::kExitOk;
  }
  for (const esep::cli::Command& c : esep::tabulator::Commands()) {
    if (name == c.name) return c.run(std::vector<std::string>(argv + 2, argv + argc));
  }
  std::cerr << "esep-tabulator: unknown command \"" << name << "\"\n";
  return Usage(std::cerr);
}
