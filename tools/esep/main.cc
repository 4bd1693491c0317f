// esep: the command line for technicians, commissions and auditors.
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"

namespace {

int Usage(std::ostream& out) {
  out << "usage: esep COMMAND [FLAGS] [ARGS]\n\ncommands:\n";
  for (const esep::cli::Command& c : esep::cli::Commands()) {
    std::string name = c.name;
    name.resize(12, ' ');
    out << "  " << name << c.summary << "\n";
  }
  out << "\n'esep COMMAND --help' describes a command's flags.\n";
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
  for (const esep::cli::Command& c : esep::cli::Commands()) {
    if (name == c.name) return c.run(std::vector<std::string>(argv + 2, argv + argc));
  }
  std::cerr << "esep: unknown command \"" << name << "\"\n";
  return Usage(std::cerr);
}
