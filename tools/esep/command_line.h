#ifndef ESEP_TOOLS_ESEP_COMMAND_LINE_H_
#define ESEP_TOOLS_ESEP_COMMAND_LINE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace esep::cli {

// One accepted flag of a subcommand. A flag with `takes_value` is written `--name VALUE` or
// `--name=VALUE`; without, `--name` alone.
struct FlagSpec {
  std::string name;
  bool takes_value = true;
  std::string help;
};

// The flags and positional arguments of one subcommand, checked against its FlagSpecs: an
// unknown flag, a missing value or a repeated flag is an error naming the flag.
class CommandLine {
 public:
  static absl::StatusOr<CommandLine> Parse(const std::vector<std::string>& args,
                                           const std::vector<FlagSpec>& specs);

  bool Has(const std::string& name) const { return values_.contains(name); }
  std::optional<std::string> Get(const std::string& name) const;
  // The value of a flag that must be present.
  absl::StatusOr<std::string> Require(const std::string& name) const;
  // The value parsed as an integer in [min, max], or `fallback` when absent.
  absl::StatusOr<long long> GetInt(const std::string& name, long long fallback, long long min,
                                   long long max) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

// For a command whose one positional argument is an action ("esep log verify"): OK when it is
// one of `actions`, else an error saying what was wrong ("unknown action "x" (verify or show)"
// or "name an action: verify or show"). --help needs no action.
// With `more_arguments`, arguments may follow the action (e.g. bundles).
absl::Status CheckAction(const CommandLine& cl, const std::vector<std::string>& actions,
                         bool more_arguments = false);

// Parses the flags and checks the action: a parse error, or the action's error in its place.
absl::StatusOr<CommandLine> ParseWithAction(const std::vector<std::string>& args,
                                            const std::vector<FlagSpec>& specs,
                                            const std::vector<std::string>& actions,
                                            bool more_arguments = false);

// "  --name VALUE   help" lines for a usage message.
std::string FormatFlags(const std::vector<FlagSpec>& specs);

// Ends a command that cannot run as called: prints the parse error, if any, as "PROGRAM: error",
// then `usage` and the flags, to stdout when --help asked for them and to stderr otherwise.
// Returns the exit status: 0 for --help, 2 (usage error) otherwise.
int UsageExit(const std::string& program, const absl::StatusOr<CommandLine>& cl,
              const std::string& usage, const std::vector<FlagSpec>& specs);

}  // namespace esep::cli

#endif  // ESEP_TOOLS_ESEP_COMMAND_LINE_H_
