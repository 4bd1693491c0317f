#include "esep/audit/reconcile.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "esep/audit/json.h"
#include "esep/audit/replay.h"
#include "esep/proto/election.h"

namespace esep::audit {
namespace {

absl::StatusOr<CountTable> ParseJsonCount(const std::string& text) {
  absl::StatusOr<google::protobuf::Value> json = ParseJson(text);
  if (!json.ok())
    return absl::InvalidArgumentError(absl::StrCat("hand count: ", json.status().message()));
  if (!json->has_list_value()) {
    return absl::InvalidArgumentError("hand count: expected a JSON array of entries");
  }
  CountTable table;
  int index = 0;
  for (const google::protobuf::Value& entry : json->list_value().values()) {
    ++index;
    const auto& f = entry.struct_value().fields();
    const auto text_of = [&](const char* key) {
      const auto it = f.find(key);
      return it == f.end() ? std::string() : it->second.string_value();
    };
    const auto count = f.find("count");
    if (text_of("precinct").empty() || text_of("contest").empty() || text_of("option").empty() ||
        count == f.end() || !count->second.has_number_value() || count->second.number_value() < 0 ||
        count->second.number_value() !=
            static_cast<double>(static_cast<std::int64_t>(count->second.number_value()))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "hand count: entry ", index,
          " needs \"precinct\", \"contest\", \"option\" and a whole \"count\" of 0 or more"));
    }
    auto [it, inserted] =
        table.emplace(std::tuple{text_of("precinct"), text_of("contest"), text_of("option")},
                      static_cast<std::int64_t>(count->second.number_value()));
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat("hand count: entry ", index, " repeats ",
                                                     text_of("precinct"), "/", text_of("contest"),
                                                     "/", text_of("option")));
    }
  }
  return table;
}

}  // namespace

std::string CountDifference::Line() const {
  return absl::StrCat("precinct ", precinct_id, " contest ", contest_id, " option ", option_id,
                      ": machine ", machine, ", hand ", hand, ", difference ", hand - machine);
}

absl::StatusOr<CountTable> ParseHandCount(const std::string& text) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (!trimmed.empty() && trimmed.front() == '[') return ParseJsonCount(text);
  CountTable table;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> cells = absl::StrSplit(line, ',');
    for (std::string& c : cells) c = std::string(absl::StripAsciiWhitespace(c));
    if (cells.size() != 4) {
      return absl::InvalidArgumentError(absl::StrCat("hand count line ", line_number,
                                                     ": expected precinct,contest,option,count"));
    }
    std::int64_t count = 0;
    if (!absl::SimpleAtoi(cells[3], &count) || count < 0) {
      if (line_number == 1 && absl::AsciiStrToLower(cells[3]) == "count") continue;  // header
      return absl::InvalidArgumentError(
          absl::StrCat("hand count line ", line_number, ": \"", cells[3], "\" is not a count"));
    }
    if (!table.emplace(std::tuple{cells[0], cells[1], cells[2]}, count).second) {
      return absl::InvalidArgumentError(absl::StrCat("hand count line ", line_number, " repeats ",
                                                     cells[0], "/", cells[1], "/", cells[2]));
    }
  }
  return table;
}

absl::Status CheckHandCountNames(const CountTable& hand, const std::vector<Bundle>& bundles) {
  for (const auto& [key, count] : hand) {
    const auto& [precinct_id, contest_id, option_id] = key;
    const Bundle* bundle = nullptr;
    for (const Bundle& b : bundles) {
      if (b.info.precinct_id == precinct_id) bundle = &b;
    }
    if (bundle == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("hand count: precinct \"", precinct_id,
                                                     "\" is in none of the audit bundles"));
    }
    const std::vector<const Contest*> on_ballot = ContestsOnBallot(bundle->election, precinct_id);
    const Contest* contest = nullptr;
    std::vector<std::string> contests;
    for (const Contest* c : on_ballot) {
      contests.push_back(c->id());
      if (c->id() == contest_id) contest = c;
    }
    if (contest == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("hand count: contest \"", contest_id, "\" is not on the ballot of precinct ",
                       precinct_id, " (its contests: ", absl::StrJoin(contests, ", "), ")"));
    }
    if (FindOption(*contest, option_id) == nullptr) {
      std::vector<std::string> options;
      for (const Option& o : contest->options()) options.push_back(o.id());
      return absl::InvalidArgumentError(
          absl::StrCat("hand count: contest ", contest_id, " has no option \"", option_id,
                       "\" (its options: ", absl::StrJoin(options, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

CountTable MachineCounts(const std::vector<Bundle>& bundles) {
  CountTable table;
  for (const Bundle& bundle : bundles) {
    for (const auto& [key, count] : TallyOf(bundle.records, false).votes) {
      table[{bundle.info.precinct_id, key.first, key.second}] += count;
    }
  }
  return table;
}

std::vector<CountDifference> Reconcile(const CountTable& machine, const CountTable& hand) {
  std::set<std::pair<std::string, std::string>> covered;
  for (const auto& [key, count] : hand) covered.insert({std::get<0>(key), std::get<1>(key)});
  std::set<std::tuple<std::string, std::string, std::string>> keys;
  for (const auto& [key, count] : hand) keys.insert(key);
  for (const auto& [key, count] : machine) {
    if (covered.contains({std::get<0>(key), std::get<1>(key)})) keys.insert(key);
  }
  std::vector<CountDifference> differences;
  for (const auto& key : keys) {
    const auto m = machine.find(key);
    const auto h = hand.find(key);
    const std::int64_t mv = m == machine.end() ? 0 : m->second;
    const std::int64_t hv = h == hand.end() ? 0 : h->second;
    if (mv != hv) {
      differences.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), mv, hv});
    }
  }
  return differences;
}

}  // namespace esep::audit
