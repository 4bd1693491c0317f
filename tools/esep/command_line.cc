#include "command_line.h"

#include <algorithm>
#include <charconv>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "commands.h"
#include "esep/proto/software_identity.h"

namespace esep::cli {

absl::StatusOr<CommandLine> CommandLine::Parse(const std::vector<std::string>& args,
                                               const std::vector<FlagSpec>& specs) {
  CommandLine result;
  bool only_positional = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_positional || arg.size() < 3 || arg.rfind("--", 0) != 0) {
      if (arg == "--") {
        only_positional = true;
        continue;
      }
      result.positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    if (result.values_.contains(name)) {
      return absl::InvalidArgumentError(absl::StrCat("flag --", name, " given twice"));
    }
    std::string value;
    if (spec->takes_value) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      }
    } else if (inline_value) {
      return absl::InvalidArgumentError(absl::StrCat("flag --", name, " takes no value"));
    }
    result.values_.emplace(name, std::move(value));
  }
  return result;
}

std::optional<std::string> CommandLine::Get(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<std::string> CommandLine::Require(const std::string& name) const {
  std::optional<std::string> value = Get(name);
  if (!value) return absl::InvalidArgumentError(absl::StrCat("flag --", name, " is required"));
  return *value;
}

absl::StatusOr<long long> CommandLine::GetInt(const std::string& name, long long fallback,
                                              long long min, long long max) const {
  std::optional<std::string> text = Get(name);
  if (!text) return fallback;
  long long value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < min || value > max) {
    return absl::InvalidArgumentError(absl::StrCat("flag --", name, " must be an integer from ",
                                                   min, " to ", max, ", not \"", *text, "\""));
  }
  return value;
}

absl::Status CheckAction(const CommandLine& cl, const std::vector<std::string>& actions,
                         bool more_arguments) {
  if (cl.Has("help")) return absl::OkStatus();
  std::string choices;
  for (std::size_t i = 0; i < actions.size(); ++i) {
    absl::StrAppend(&choices, i == 0 ? "" : (i + 1 == actions.size() ? " or " : ", "), actions[i]);
  }
  if (cl.positional().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("name an action: ", choices));
  }
  const std::string& action = cl.positional().front();
  if (std::find(actions.begin(), actions.end(), action) == actions.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown action \"", action, "\" (", choices, ")"));
  }
  if (cl.positional().size() > 1 && !more_arguments) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument \"", cl.positional()[1], "\" after ", action));
  }
  return absl::OkStatus();
}

absl::StatusOr<CommandLine> ParseWithAction(const std::vector<std::string>& args,
                                            const std::vector<FlagSpec>& specs,
                                            const std::vector<std::string>& actions,
                                            bool more_arguments) {
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok()) return cl;
  if (absl::Status s = CheckAction(*cl, actions, more_arguments); !s.ok()) return s;
  return cl;
}

std::string FormatFlags(const std::vector<FlagSpec>& specs) {
  std::string out;
  for (const FlagSpec& s : specs) {
    std::string left = absl::StrCat("  --", s.name, s.takes_value ? " VALUE" : "");
    if (left.size() < 28) left.resize(28, ' ');
    absl::StrAppend(&out, left, " ", s.help, "\n");
  }
  return out;
}

int UsageExit(const std::string& program, const absl::StatusOr<CommandLine>& cl,
              const std::string& usage, const std::vector<FlagSpec>& specs) {
  if (!cl.ok()) std::cerr << program << ": " << cl.status().message() << "\n";
  const bool help = cl.ok() && cl->Has("help");
  (help ? std::cout : std::cerr) << usage << FormatFlags(specs);
  return help ? kExitOk : kExitUsage;
}

namespace {

int CommandTableUsage(const std::string& program, const std::vector<Command>& commands,
                      std::ostream& out) {
  std::size_t width = 0;
  for (const Command& c : commands) width = std::max(width, std::string(c.name).size());
  out << "usage: " << program << " COMMAND [FLAGS] [ARGS]\n\ncommands:\n";
  for (const Command& c : commands) {
    std::string name = c.name;
    name.resize(width + 2, ' ');
    out << "  " << name << c.summary << "\n";
  }
  out << "\n'" << program << " COMMAND --help' describes a command's flags.\n";
  return kExitUsage;
}

}  // namespace

int PrintVersion(const std::string& program) {
  std::cout << VersionText(ThisSoftware(program));
  return kExitOk;
}

int RunCommandTable(const std::string& program, const std::vector<Command>& commands, int argc,
                    char** argv) {
  if (argc < 2) return CommandTableUsage(program, commands, std::cerr);
  const std::string name = argv[1];
  if (name == "help" || name == "--help" || name == "-h") {
    CommandTableUsage(program, commands, std::cout);
    return kExitOk;
  }
  if (name == "--version" || name == "version") return PrintVersion(program);
  for (const Command& c : commands) {
    if (name != c.name) continue;
    std::vector<std::string> args(argv + 2, argv + argc);
    if (!args.empty() && args.front() == "--version") return PrintVersion(program);
    return c.run(args);
  }
  std::cerr << program << ": unknown command \"" << name << "\"\n";
  return CommandTableUsage(program, commands, std::cerr);
}

}  // namespace esep::cli
