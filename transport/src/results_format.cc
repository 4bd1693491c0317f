#include "esep/transport/results_format.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "esep/proto/election.h"
#include "nlohmann/json.hpp"

namespace esep::transport {
namespace {

using Json = nlohmann::ordered_json;

// Characters on screen of a UTF-8 string (code points; the ballots' Cyrillic is one column each).
std::size_t Columns(std::string_view s) {
  return std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

// A table printed with aligned columns: the first left-aligned, the others right-aligned. The
// cells of all rows share one buffer, and the table is appended to the caller's text: a national
// report has a million cells.
class Table {
 public:
  // Appends a cell to the current row; the cell's text is `text` followed by `suffix`.
  Table& Cell(std::string_view text, std::string_view suffix = {}) {
    const std::size_t begin = text_.size();
    text_.append(text).append(suffix);
    cells_.push_back({begin, text_.size() - begin, Columns(text) + Columns(suffix)});
    return *this;
  }
  Table& Cell(std::uint64_t number) {
    const absl::AlphaNum digits(number);
    return Cell(std::string_view(digits.data(), digits.size()));
  }
  // Ends the current row.
  void EndRow() { row_ends_.push_back(cells_.size()); }

  void AppendTo(std::string_view indent, std::string& out) {
    width_.clear();
    std::size_t first = 0;
    for (const std::size_t end : row_ends_) {
      width_.resize(std::max(width_.size(), end - first), 0);
      for (std::size_t i = first; i < end; ++i) {
        width_[i - first] = std::max(width_[i - first], cells_[i].columns);
      }
      first = end;
    }
    first = 0;
    for (const std::size_t end : row_ends_) {
      const std::size_t line_start = out.size();
      out.append(indent);
      for (std::size_t i = first; i < end; ++i) {
        const CellText& cell = cells_[i];
        const std::size_t pad = width_[i - first] - cell.columns;
        const std::string_view text(text_.data() + cell.begin, cell.size);
        if (i > first) out.append("  ");
        if (i == first) {
          out.append(text).append(pad, ' ');
        } else {
          out.append(pad, ' ').append(text);
        }
      }
      while (out.size() > line_start && out.back() == ' ') out.pop_back();
      out.push_back('\n');
      first = end;
    }
  }

 private:
  struct CellText {
    std::size_t begin;
    std::size_t size;
    std::size_t columns;
  };
  std::string text_;
  std::vector<CellText> cells_;
  std::vector<std::size_t> row_ends_;  // one past each row's last cell
  std::vector<std::size_t> width_;
};

std::string KindText(ContestKind kind) {
  switch (kind) {
    case PARTY_LIST:
      return "party list";
    case CANDIDATE:
      return "candidates";
    case REFERENDUM_QUESTION:
      return "referendum question";
    default:
      return "unspecified";
  }
}

std::string BaseText(ThresholdBase base) {
  return base == ThresholdBase::kBallotsInBoxes ? "ballots_in_boxes" : "valid_ballots";
}

const std::string& OptionName(const ContestTotal& c, const std::string& option_id) {
  for (const OptionTotal& o : c.options) {
    if (o.option_id == option_id) return o.name;
  }
  return option_id;
}

void AppendContestText(const ContestTotal& c, const AggregationRules& rules, bool national,
                       std::string& out) {
  absl::StrAppend(&out, c.title, " [", c.contest_id, "], ", KindText(c.kind), ", vote for ",
                  c.vote_for, "\n");
  if (national) {
    absl::StrAppend(&out, "  Precincts counted ", c.precincts_counted, " of ", c.precincts_expected,
                    "\n");
  }
  absl::StrAppend(&out, "  Invalid ballots (L8) ", c.invalid_ballots, ", valid ballots (L9) ",
                  c.valid_ballots, ", votes for options ", c.votes_for_options, "\n");
  const bool seats = national && c.kind == PARTY_LIST;
  Table table;
  table.Cell("Option").Cell("Votes").Cell("Share");
  if (seats) table.Cell("Threshold").Cell("Seats");
  table.EndRow();
  for (const OptionTotal& o : c.options) {
    table.Cell(o.name).Cell(o.votes).Cell(FormatShare(o.share), "%");
    if (seats) {
      table.Cell(o.exclusive ? "-" : (o.over_threshold ? "passed" : "below"));
      if (o.exclusive) {
        table.Cell("-");
      } else {
        table.Cell(o.seats);
      }
    }
    table.EndRow();
  }
  table.AppendTo("  ", out);
  absl::StrAppend(&out, "  Shares are of the ", c.votes_for_options,
                  " votes for options, rounded down.\n");
  if (seats) {
    absl::StrAppend(
        &out, "  Threshold ", rules.threshold_percent, "% of ", c.threshold_base_ballots,
        rules.threshold_base == ThresholdBase::kBallotsInBoxes ? " ballots in the boxes"
                                                               : " valid ballots",
        ": ", c.threshold_votes, " votes. ",
        c.seats_allocated ? absl::StrCat(rules.list_seats, " seats by largest remainder.")
                          : std::string("No list has passed the threshold; no seats."),
        c.precincts_counted < c.precincts_expected ? " Provisional until every precinct is counted."
                                                   : "",
        "\n");
  }
  if (c.kind != PARTY_LIST) {
    if (c.against_all_leads) {
      absl::StrAppend(&out,
                      "  AGAINST ALL LEADS: no candidate is elected, the district votes again.\n");
    } else if (c.leaders.size() == 1) {
      absl::StrAppend(&out, "  Leader: ", OptionName(c, c.leaders[0]),
                      c.leader_has_majority ? " (more than half of the ballots)" : "", "\n");
    } else if (c.leaders.size() > 1) {
      absl::StrAppend(&out, "  Tie for the lead: ",
                      absl::StrJoin(c.leaders, ", ",
                                    [&](std::string* to, const std::string& id) {
                                      to->append(OptionName(c, id));
                                    }),
                      "\n");
    }
  }
}

void AppendUnitText(const UnitTotals& u, const AggregationRules& rules, bool national,
                    std::string& out) {
  if (national) {
    out.append("== Country ==\n");
  } else {
    absl::StrAppend(&out, "== Precinct ", u.id, " ", u.name, " (protocol revision ", u.revision,
                    ") ==\n");
  }
  Table table;
  table.Cell("Voters on the list (L1)").Cell(u.voters_on_list).EndRow();
  table.Cell("Ballots in the boxes (L6+L7)").Cell(u.ballots_in_boxes).EndRow();
  table.Cell("Turnout").Cell(FormatShare(u.turnout), "%").EndRow();
  table.AppendTo("", out);
  for (const ContestTotal& c : u.contests) {
    out.push_back('\n');
    AppendContestText(c, rules, national, out);
  }
}

Json ContestJson(const ContestTotal& c, bool national) {
  Json j;
  j["id"] = c.contest_id;
  j["title"] = c.title;
  j["kind"] = KindText(c.kind);
  j["vote_for"] = c.vote_for;
  j["precincts_counted"] = c.precincts_counted;
  j["precincts_expected"] = c.precincts_expected;
  j["invalid_ballots"] = c.invalid_ballots;
  j["valid_ballots"] = c.valid_ballots;
  j["votes_for_options"] = c.votes_for_options;
  Json options = Json::array();
  for (const OptionTotal& o : c.options) {
    Json oj;
    oj["id"] = o.option_id;
    oj["name"] = o.name;
    oj["exclusive"] = o.exclusive;
    oj["votes"] = o.votes;
    oj["share"] = FormatShare(o.share);
    oj["share_basis_points"] = o.share;
    if (national && c.kind == PARTY_LIST) {
      oj["over_threshold"] = o.over_threshold;
      oj["seats"] = o.seats;
    }
    options.push_back(std::move(oj));
  }
  j["options"] = std::move(options);
  j["leaders"] = c.leaders;
  if (c.kind == CANDIDATE) j["against_all_leads"] = c.against_all_leads;
  j["leader_has_majority"] = c.leader_has_majority;
  if (national && c.kind == PARTY_LIST) {
    j["threshold_base_ballots"] = c.threshold_base_ballots;
    j["threshold_votes"] = c.threshold_votes;
    j["seats_allocated"] = c.seats_allocated;
  }
  return j;
}

Json UnitJson(const UnitTotals& u, bool national) {
  Json j;
  j["id"] = u.id;
  if (!national) {
    j["name"] = u.name;
    j["revision"] = u.revision;
  }
  j["voters_on_list"] = u.voters_on_list;
  j["ballots_in_boxes"] = u.ballots_in_boxes;
  j["turnout"] = FormatShare(u.turnout);
  j["turnout_basis_points"] = u.turnout;
  Json contests = Json::array();
  for (const ContestTotal& c : u.contests) contests.push_back(ContestJson(c, national));
  j["contests"] = std::move(contests);
  return j;
}

std::string ExclusionKey(Exclusion exclusion) {
  switch (exclusion) {
    case Exclusion::kHeldForReview:
      return "held_for_review";
    case Exclusion::kRefused:
      return "refused";
    case Exclusion::kDoesNotAdd:
      return "does_not_add_up";
  }
  return "refused";
}

// The protocols left out, each with its reason; empty when every protocol given was counted.
std::string NotCountedText(const Results& results) {
  if (results.excluded.empty()) return "";
  std::string out = absl::StrCat("\n== Not counted (", results.excluded.size(), ") ==\n");
  for (const ExcludedProtocol& e : results.excluded) {
    absl::StrAppend(&out, "Precinct ", e.precinct_id, ", protocol revision ", e.revision, ": ",
                    ExclusionText(e.exclusion), ": ", e.reason, "\n");
  }
  return out;
}

// --- NIST SP 1500-100 v2 ---

Json Text(const LocalizedText& text) {
  Json strings = Json::array();
  for (const auto& [language, content] :
       {std::pair{"ky", text.ky()}, std::pair{"ru", text.ru()}, std::pair{"en", text.en()}}) {
    if (content.empty()) continue;
    strings.push_back(Json{
        {"@type", "ElectionResults.LanguageString"}, {"Content", content}, {"Language", language}});
  }
  return Json{{"@type", "ElectionResults.InternationalizedText"}, {"Text", strings}};
}

Json VoteCount(std::uint64_t count, const std::string& gp_unit) {
  return Json{{"@type", "ElectionResults.VoteCounts"},
              {"Count", count},
              {"GpUnitId", gp_unit},
              {"Type", "total"}};
}

std::string PrecinctUnitId(const std::string& id) { return "ru-precinct-" + id; }
std::string SelectionId(const Contest& c, const Option& o) {
  return "sel-" + c.id() + "-" + o.id();
}

}  // namespace

absl::StatusOr<std::string> FormatResultsText(const Results& results,
                                              std::optional<std::string_view> precinct_id) {
  if (absl::Status s = CheckPublishable(results); !s.ok()) return s;
  std::string out =
      absl::StrCat(results.election_title, " (", results.election_id, ")\n", "Election definition ",
                   results.election_hash.substr(0, 16), "\n", "Precincts counted ",
                   results.precincts_counted, " of ", results.precincts_expected,
                   results.complete ? " - all precincts counted"
                                    : " - PARTIAL RESULTS, not all precincts counted",
                   "\n\n");
  if (precinct_id) {
    for (const UnitTotals& u : results.precincts) {
      if (u.id == *precinct_id) {
        AppendUnitText(u, results.rules, false, out);
        return out;
      }
    }
    for (const ExcludedProtocol& e : results.excluded) {
      if (e.precinct_id == *precinct_id) {
        return absl::NotFoundError(absl::StrCat("Precinct ", e.precinct_id, " is not counted: its ",
                                                "protocol revision ", e.revision, " is ",
                                                ExclusionText(e.exclusion), ": ", e.reason));
      }
    }
    return absl::NotFoundError(absl::StrCat("Precinct ", std::string(*precinct_id),
                                            " has no counted protocol in these results."));
  }
  AppendUnitText(results.national, results.rules, true, out);
  for (const UnitTotals& u : results.precincts) {
    out.push_back('\n');
    AppendUnitText(u, results.rules, false, out);
  }
  absl::StrAppend(&out, NotCountedText(results));
  return out;
}

absl::StatusOr<std::string> FormatResultsJson(const Results& results) {
  if (absl::Status s = CheckPublishable(results); !s.ok()) return s;
  Json j;
  j["election"] = Json{{"id", results.election_id},
                       {"hash", results.election_hash},
                       {"title", results.election_title}};
  j["status"] = results.complete ? "complete" : "partial";
  j["precincts_counted"] = results.precincts_counted;
  j["precincts_expected"] = results.precincts_expected;
  j["rules"] = Json{{"list_seats", results.rules.list_seats},
                    {"threshold_percent", results.rules.threshold_percent},
                    {"threshold_base", BaseText(results.rules.threshold_base)}};
  j["national"] = UnitJson(results.national, true);
  Json precincts = Json::array();
  for (const UnitTotals& u : results.precincts) precincts.push_back(UnitJson(u, false));
  j["precincts"] = std::move(precincts);
  Json not_counted = Json::array();
  for (const ExcludedProtocol& e : results.excluded) {
    not_counted.push_back(Json{{"precinct", e.precinct_id},
                               {"revision", e.revision},
                               {"why", ExclusionKey(e.exclusion)},
                               {"reason", e.reason}});
  }
  j["not_counted"] = std::move(not_counted);
  return j.dump(2) + "\n";
}

absl::StatusOr<std::string> ExportNist1500_100(const Election& election, const Results& results,
                                               const NistExportOptions& options) {
  if (absl::Status s = CheckPublishable(results); !s.ok()) return s;
  if (results.election_id != election.id() || results.election_hash != ElectionHash(election)) {
    return absl::FailedPreconditionError(
        "These results were aggregated for another election or another version of its "
        "definition; aggregate again before exporting.");
  }
  const std::string country = "ru-country";
  std::map<std::string, const UnitTotals*> counted;
  for (const UnitTotals& u : results.precincts) counted[u.id] = &u;

  // GpUnits: the country, each precinct, and a district for each contest held in only some
  // precincts.
  Json gp_units = Json::array();
  Json country_unit{{"@id", country},
                    {"@type", "ElectionResults.ReportingUnit"},
                    {"Name", election.title().en().empty() ? election.id() : election.title().en()},
                    {"Type", "country"},
                    {"ComposingGpUnitIds", Json::array()},
                    {"SubUnitsReported", results.precincts_counted},
                    {"TotalSubUnits", results.precincts_expected},
                    {"VotersParticipated", results.national.ballots_in_boxes},
                    {"VotersRegistered", results.national.voters_on_list}};
  for (const Precinct& p : election.precincts()) {
    country_unit["ComposingGpUnitIds"].push_back(PrecinctUnitId(p.id()));
  }
  gp_units.push_back(std::move(country_unit));
  for (const Precinct& p : election.precincts()) {
    Json unit{{"@id", PrecinctUnitId(p.id())},
              {"@type", "ElectionResults.ReportingUnit"},
              {"Name", p.name().ru().empty() ? p.id() : p.name().ru()},
              {"Number", p.id()},
              {"Type", "precinct"}};
    auto it = counted.find(p.id());
    if (it != counted.end()) {
      unit["VotersParticipated"] = it->second->ballots_in_boxes;
      unit["VotersRegistered"] = it->second->voters_on_list;
    }
    gp_units.push_back(std::move(unit));
  }
  std::map<std::string, std::set<std::string>> precincts_of_contest = PrecinctsByContest(election);
  std::map<std::string, std::string> district_of_contest;
  for (const Contest& c : election.contests()) {
    const std::set<std::string>& ids = precincts_of_contest[c.id()];
    if (ids.empty() || static_cast<int>(ids.size()) == election.precincts_size()) {
      district_of_contest[c.id()] = country;
      continue;
    }
    const std::string id = "ru-district-" + c.id();
    district_of_contest[c.id()] = id;
    Json composing = Json::array();
    for (const Precinct& p : election.precincts()) {
      if (ids.count(p.id())) composing.push_back(PrecinctUnitId(p.id()));
    }
    gp_units.push_back(Json{{"@id", id},
                            {"@type", "ElectionResults.ReportingUnit"},
                            {"Name", c.title().en().empty() ? c.id() : c.title().en()},
                            {"Type", "other"},
                            {"OtherType", "electoral-district"},
                            {"ComposingGpUnitIds", std::move(composing)}});
  }

  // Each contest's counted precincts, in the election's order: found once, not per option.
  std::map<std::string, std::vector<std::pair<const UnitTotals*, const ContestTotal*>>>
      precinct_totals;
  if (options.precinct_level) {
    for (const UnitTotals& u : results.precincts) {
      for (const ContestTotal& c : u.contests) precinct_totals[c.contest_id].emplace_back(&u, &c);
    }
  }

  Json parties = Json::array();
  std::set<std::string> party_ids;
  Json candidates = Json::array();
  Json contests = Json::array();
  bool only_referendum = true;
  for (int ci = 0; ci < election.contests_size(); ++ci) {
    const Contest& contest = election.contests(ci);
    const ContestTotal& total = results.national.contests.at(ci);
    const std::string& district = district_of_contest[contest.id()];
    only_referendum &= contest.kind() == REFERENDUM_QUESTION;
    Json selections = Json::array();
    for (int oi = 0; oi < contest.options_size(); ++oi) {
      const Option& option = contest.options(oi);
      Json counts = Json::array();
      counts.push_back(VoteCount(total.options.at(oi).votes, district));
      if (options.precinct_level) {
        for (const auto& [unit, c] : precinct_totals[contest.id()]) {
          counts.push_back(VoteCount(c->options.at(oi).votes, PrecinctUnitId(unit->id)));
        }
      }
      Json selection{{"@id", SelectionId(contest, option)}, {"SequenceOrder", oi + 1}};
      // "Against all" has no party or candidate behind it: a selection with text only.
      if (option.exclusive() || contest.kind() == REFERENDUM_QUESTION) {
        selection["@type"] = "ElectionResults.BallotMeasureSelection";
        selection["Selection"] = Text(option.name());
      } else if (contest.kind() == PARTY_LIST) {
        const std::string party = "party-" + option.id();
        // The same list in a second party-list contest is the same party.
        if (party_ids.insert(party).second) {
          parties.push_back(Json{
              {"@id", party}, {"@type", "ElectionResults.Party"}, {"Name", Text(option.name())}});
        }
        selection["@type"] = "ElectionResults.PartySelection";
        selection["PartyIds"] = Json::array({party});
      } else {
        const std::string candidate = "cand-" + contest.id() + "-" + option.id();
        candidates.push_back(Json{{"@id", candidate},
                                  {"@type", "ElectionResults.Candidate"},
                                  {"BallotName", Text(option.name())}});
        selection["@type"] = "ElectionResults.CandidateSelection";
        selection["CandidateIds"] = Json::array({candidate});
      }
      selection["VoteCounts"] = std::move(counts);
      selections.push_back(std::move(selection));
    }
    Json c{{"@id", "contest-" + contest.id()}};
    switch (contest.kind()) {
      case PARTY_LIST:
        c["@type"] = "ElectionResults.PartyContest";
        c["VoteVariation"] = "proportional";
        break;
      case REFERENDUM_QUESTION:
        c["@type"] = "ElectionResults.BallotMeasureContest";
        c["Type"] = "referendum";
        break;
      default:
        c["@type"] = "ElectionResults.CandidateContest";
        c["NumberElected"] = 1;
        c["VotesAllowed"] = contest.vote_for();
        c["VoteVariation"] = contest.vote_for() == 1 ? "plurality" : "n-of-m";
        break;
    }
    c["Name"] = contest.title().en().empty() ? contest.id() : contest.title().en();
    c["BallotTitle"] = Text(contest.title());
    c["ElectoralDistrictId"] = district;
    c["SequenceOrder"] = ci + 1;
    c["SubUnitsReported"] = total.precincts_counted;
    c["TotalSubUnits"] = total.precincts_expected;
    c["SummaryCounts"] =
        Json::array({Json{{"@type", "ElectionResults.SummaryCounts"},
                          {"BallotsCast", total.invalid_ballots + total.valid_ballots},
                          {"BallotsRejected", total.invalid_ballots},
                          {"GpUnitId", district},
                          {"Type", "total"}}});
    c["BallotSelection"] = std::move(selections);
    contests.push_back(std::move(c));
  }

  Json styles = Json::array();
  for (const BallotStyle& style : election.ballot_styles()) {
    Json units = Json::array();
    for (const std::string& id : style.precinct_ids()) units.push_back(PrecinctUnitId(id));
    Json ordered = Json::array();
    std::vector<std::string> seen;
    for (const Target& t : style.targets()) {
      if (std::find(seen.begin(), seen.end(), t.contest_id()) == seen.end()) {
        seen.push_back(t.contest_id());
      }
    }
    for (const std::string& contest_id : seen) {
      Json selection_ids = Json::array();
      const Contest* contest = FindContest(election, contest_id);
      if (contest == nullptr) continue;
      for (const Target& t : style.targets()) {
        const Option* option =
            t.contest_id() == contest_id ? FindOption(*contest, t.option_id()) : nullptr;
        if (option != nullptr) selection_ids.push_back(SelectionId(*contest, *option));
      }
      ordered.push_back(Json{{"@type", "ElectionResults.OrderedContest"},
                             {"ContestId", "contest-" + contest_id},
                             {"OrderedBallotSelectionIds", std::move(selection_ids)}});
    }
    if (units.empty()) continue;  // the schema needs at least one GpUnit per style
    styles.push_back(Json{
        {"@type", "ElectionResults.BallotStyle"},
        {"ExternalIdentifier", Json::array({Json{{"@type", "ElectionResults.ExternalIdentifier"},
                                                 {"Type", "local-level"},
                                                 {"Value", style.id()}}})},
        {"GpUnitIds", std::move(units)},
        {"OrderedContest", std::move(ordered)}});
  }

  Json e{{"@type", "ElectionResults.Election"},
         {"BallotStyle", std::move(styles)},
         {"Candidate", std::move(candidates)},
         {"Contest", std::move(contests)},
         {"ElectionScopeId", country},
         {"EndDate", election.date()},
         {"Name", Text(election.title())},
         {"StartDate", election.date()},
         {"Type", only_referendum && election.contests_size() > 0 ? "other" : "general"}};
  if (only_referendum && election.contests_size() > 0) e["OtherType"] = "referendum";

  const std::string generated =
      options.generated_date.empty()
          ? absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone())
          : options.generated_date;
  Json report{{"@type", "ElectionResults.ElectionReport"},
              {"Election", Json::array({std::move(e)})},
              {"Format", options.precinct_level ? "precinct-level" : "summary-contest"},
              {"GeneratedDate", generated},
              {"GpUnit", std::move(gp_units)},
              {"Issuer", options.issuer},
              {"IssuerAbbreviation", options.issuer_abbreviation},
              {"Party", std::move(parties)},
              {"SequenceEnd", options.sequence_end},
              {"SequenceStart", options.sequence_start},
              {"Status", results.complete ? "unofficial-complete" : "unofficial-partial"},
              {"VendorApplicationId", options.vendor_application_id}};
  return report.dump(2) + "\n";
}

}  // namespace esep::transport
