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

}  // namespace esep::cli

#endif  // ESEP_TOOLS_ESEP_COMMANDS_H_
