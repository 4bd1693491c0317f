#ifndef ESEP_TOOLS_ESEP_COMMANDS_H_
#define ESEP_TOOLS_ESEP_COMMANDS_H_

#include <string>
#include <vector>

namespace esep::cli {

// Exit statuses shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;  // the input was read, and some of it was refused
inline constexpr int kExitUsage = 2;     // bad flags, unreadable input files

// One `esep` subcommand: its name, a one-line summary and its entry point, which receives the
// arguments after the subcommand's name.
struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

// The table of subcommands, in the order `esep help` lists them (commands.cc).
const std::vector<Command>& Commands();

// `PROGRAM --version`: the version, source commit and executable SHA-256 (esep/proto/
// software_identity.h) to stdout; returns kExitOk.
int PrintVersion(const std::string& program);

// The main() of a program made of subcommands (esep, esep-tabulator): runs the one named by
// argv[1] ("--version" there or right after a command prints the version), or prints the table
// of commands ("help" to stdout with status 0; a missing or unknown command to stderr with the
// usage status).
int RunCommandTable(const std::string& program, const std::vector<Command>& commands, int argc,
                    char** argv);

}  // namespace esep::cli

#endif  // ESEP_TOOLS_ESEP_COMMANDS_H_
