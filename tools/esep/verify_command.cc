// esep verify: an observer's check of a printed precinct protocol from photos or scans of its QR
// codes: the parts' chain, the signature against the reader's published key, the control
// relations, and the numbers.
#include <iostream>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "command_line.h"
#include "commands.h"
#include "esep/audit/replay.h"
#include "esep/proto/election.h"
#include "esep/report/protocol_sheet.h"
#include "esep/report/sheet_reader.h"
#include "esep/transport/signing.h"

namespace esep::cli {
namespace {

constexpr char kProgram[] = "esep verify";

std::string RelationsJson(const std::vector<ProtocolCheck>& checks) {
  std::string out = "[";
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const ProtocolCheck& c = checks[i];
    absl::StrAppend(&out, i ? "," : "", "{\"relation\":", report::JsonString(c.relation),
                    ",\"holds\":", c.holds ? "true" : "false",
                    ",\"blocking\":", c.blocking ? "true" : "false",
                    ",\"detail\":", report::JsonString(c.detail), "}");
  }
  return out + "]";
}

}  // namespace

int RunVerifyCommand(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"key", true, "the reader's published public key (KEY.pub, 64 hex digits)"},
      {"trust-embedded-key", false,
       "without --key: check against the key printed on the sheet itself (proves only that the "
       "sheet was not changed after signing, not who signed it)"},
      {"election", true, "election definition (JSON): check the control relations"},
      {"json", false, "print the result as one JSON object"},
      {"help", false, "print this help"}};
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || cl->positional().empty()) {
    return UsageExit(
        kProgram, cl,
        "usage: esep verify [--key KEY.pub | --trust-embedded-key] [--election E.json]\n"
        "                   [--json] IMAGE...\n"
        "Reads the QR codes of a printed precinct protocol from photos or scans (all\n"
        "parts, in any order, over any number of images), checks their chain, the\n"
        "signature against the published key and the control relations, and prints\n"
        "the protocol's numbers. Exit status: 0 proved, 1 refused, 2 bad flags or\n"
        "unreadable files.\n",
        specs);
  }
  report::VerifyOptions options;
  if (const std::optional<std::string> key = cl->Get("key")) {
    absl::StatusOr<std::string> public_key = transport::LoadPublicKey(*key);
    if (!public_key.ok()) {
      std::cerr << kProgram << ": " << public_key.status().message() << "\n";
      return kExitUsage;
    }
    options.public_key = *public_key;
  }
  options.trust_embedded_key = cl->Has("trust-embedded-key");
  if (options.trust_embedded_key && !options.public_key.empty()) {
    std::cerr << kProgram << ": give either --key or --trust-embedded-key, not both\n";
    return kExitUsage;
  }
  Election election;
  if (const std::optional<std::string> path = cl->Get("election")) {
    absl::StatusOr<Election> loaded = LoadElectionFile(*path);
    if (!loaded.ok()) {
      std::cerr << kProgram << ": " << loaded.status().message() << "\n";
      return kExitUsage;
    }
    election = *std::move(loaded);
    options.election = &election;
  }

  std::vector<std::string> texts;
  for (const std::string& path : cl->positional()) {
    const absl::StatusOr<cv::Mat> gray = audit::ReadGrayImageFile(path);
    if (!gray.ok()) {
      std::cerr << kProgram << ": " << gray.status().message() << "\n";
      return kExitUsage;
    }
    const std::vector<std::string> found = report::ReadQrPartTexts(*gray);
    if (!cl->Has("json")) {
      std::cerr << path << ": " << found.size() << " Esep QR code(s) read\n";
    }
    texts.insert(texts.end(), found.begin(), found.end());
  }

  absl::StatusOr<report::VerifiedProtocol> verified = report::VerifyQrParts(texts, options);
  if (!verified.ok()) {
    const bool usage = absl::IsFailedPrecondition(verified.status()) &&
                       options.public_key.empty() && !options.trust_embedded_key;
    if (cl->Has("json")) {
      std::cout << "{\"proved\":false,\"error\":"
                << report::JsonString(std::string(verified.status().message())) << "}\n";
    }
    std::cerr << kProgram << ": " << (usage ? "" : "REFUSED: ") << verified.status().message()
              << "\n";
    return usage ? kExitUsage : kExitRejected;
  }
  const bool relations_hold = ProtocolMayBeFinal(verified->checks);
  const bool proved = relations_hold;
  if (cl->Has("json")) {
    std::cout << "{\"proved\":" << (proved ? "true" : "false") << ",\"key_id\":\""
              << verified->key_id << "\",\"embedded_key_trusted\":"
              << (verified->embedded_key_trusted ? "true" : "false")
              << ",\"parts\":" << verified->parts
              << ",\"relations\":" << RelationsJson(verified->checks)
              << ",\"protocol\":" << report::FormatProtocolJson(verified->protocol) << "}\n";
  } else {
    std::cout << (proved ? "PROVED" : "REFUSED") << ": signed by key " << verified->key_id
              << (verified->embedded_key_trusted
                      ? " (the key printed on the sheet, trusted as asked: not proof of who signed)"
                      : " (the published key)")
              << ", " << verified->parts << " QR part(s)"
              << (options.election == nullptr ? ", control relations not checked (no --election)"
                                              : "")
              << "\n\n"
              << report::FormatProtocolText(election, verified->protocol);
    if (!relations_hold) {
      std::cout << "\nbroken control relations:\n" << DescribeBrokenRelations(verified->checks);
    }
  }
  return proved ? kExitOk : kExitRejected;
}

}  // namespace esep::cli
