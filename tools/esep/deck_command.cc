// esep deck: generates fixture decks (manifest and images) and re-renders existing ones.
#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "command_line.h"
#include "commands.h"
#include "esep/render/deck.h"
#include "progress.h"

namespace esep::cli {
namespace {

constexpr char kUsage[] =
    "usage: esep deck generate (--kind clean|degraded|edge | --deck NAME) --out DIR\n"
    "                          [--manifest-only] [--repo-root DIR]\n"
    "       esep deck build MANIFEST [--out DIR] [--repo-root DIR]\n"
    "       esep deck list\n"
    "generate: with --kind, writes DIR/NAME/manifest.json and the images of every deck of that\n"
    "  kind; with --deck, writes DIR/manifest.json and the images of that deck.\n"
    "build: renders every image of an existing manifest into DIR (default: next to it).\n"
    "Election paths in manifests are relative to the repository root (default: the current\n"
    "directory).\n";

int Fail(const absl::Status& status) {
  std::cerr << "esep deck: " << status.message() << "\n";
  return kExitUsage;
}

int Generate(const CommandLine& cl) {
  const std::string repo_root = cl.Get("repo-root").value_or(".");
  absl::StatusOr<std::string> out = cl.Require("out");
  if (!out.ok()) return Fail(out.status());
  if (cl.Has("kind") == cl.Has("deck")) {
    return Fail(absl::InvalidArgumentError("give either --kind or --deck"));
  }
  std::vector<std::pair<std::string, std::string>> decks;  // name, directory
  if (std::optional<std::string> kind = cl.Get("kind")) {
    if (*kind != "clean" && *kind != "degraded" && *kind != "edge") {
      return Fail(absl::InvalidArgumentError("--kind must be clean, degraded or edge"));
    }
    for (const std::string& name : render::DeckNames(*kind)) {
      decks.emplace_back(name, (std::filesystem::path(*out) / name).string());
    }
  } else {
    decks.emplace_back(*cl.Get("deck"), *out);
  }
  for (const auto& [name, dir] : decks) {
    absl::StatusOr<DeckManifest> manifest = render::GenerateDeck(name, repo_root);
    if (!manifest.ok()) return Fail(manifest.status());
    if (absl::Status s = render::WriteManifest(*manifest, dir); !s.ok()) return Fail(s);
    if (!cl.Has("manifest-only")) {
      Progress bar(absl::StrCat("deck ", name), "images");
      if (absl::Status s = render::BuildDeckImages(
              *manifest, repo_root, dir,
              [&bar](std::size_t done, std::size_t total) { bar.Update(done, total); });
          !s.ok()) {
        return Fail(s);
      }
    }
    std::cout << "deck " << name << ": " << manifest->ballots_size() << " ballots in " << dir
              << (cl.Has("manifest-only") ? " (manifest only)" : "") << "\n";
  }
  return kExitOk;
}

int Build(const CommandLine& cl) {
  if (cl.positional().size() != 2) {
    return Fail(absl::InvalidArgumentError("deck build takes one MANIFEST"));
  }
  const std::string& path = cl.positional()[1];
  absl::StatusOr<DeckManifest> manifest = render::LoadManifest(path);
  if (!manifest.ok()) return Fail(manifest.status());
  const std::string dir =
      cl.Get("out").value_or(std::filesystem::path(path).parent_path().string());
  Progress bar(absl::StrCat("deck ", manifest->name()), "images");
  if (absl::Status s = render::BuildDeckImages(
          *manifest, cl.Get("repo-root").value_or("."), dir.empty() ? "." : dir,
          [&bar](std::size_t done, std::size_t total) { bar.Update(done, total); });
      !s.ok()) {
    return Fail(s);
  }
  std::cout << "deck " << manifest->name() << ": " << manifest->ballots_size() << " images in "
            << (dir.empty() ? "." : dir) << "\n";
  return kExitOk;
}

}  // namespace

int RunDeckCommand(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"kind", true, "generate every deck of a kind: clean, degraded or edge"},
      {"deck", true, "generate one deck by name (see esep deck list)"},
      {"out", true, "output directory"},
      {"manifest-only", false, "write the manifests but no images"},
      {"repo-root", true, "repository root the election paths are relative to (default .)"},
      {"help", false, "print this help"},
  };
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  const std::string action = cl.ok() && !cl->positional().empty() ? cl->positional()[0] : "";
  if (!cl.ok() || cl->Has("help") || action.empty()) {
    return UsageExit("esep deck", cl, kUsage, specs);
  }
  if (action == "generate") {
    if (cl->positional().size() != 1) {
      return Fail(absl::InvalidArgumentError("deck generate takes no arguments"));
    }
    return Generate(*cl);
  }
  if (action == "build") return Build(*cl);
  if (action == "list") {
    for (const char* kind : {"clean", "degraded", "edge", "paper"}) {
      std::cout << kind << ": " << absl::StrJoin(render::DeckNames(kind), " ") << "\n";
    }
    return kExitOk;
  }
  std::cerr << "esep deck: unknown action \"" << action << "\"\n" << kUsage;
  return kExitUsage;
}

}  // namespace esep::cli
