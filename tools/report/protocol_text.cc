// The protocol's lines and their names, and the protocol as plain text and as JSON.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "esep/proto/election.h"
#include "esep/proto/protocol_checks.h"
#include "esep/proto/utc_time.h"
#include "esep/report/protocol_sheet.h"
#include "protocol_lines.h"

namespace esep::report {
namespace internal {

std::vector<Line> GeneralLines(const PrecinctProtocol& p) {
  return {
      {"L1",
       {"Тизмедеги шайлоочулардын саны", "Число избирателей в списке", "Voters on the list"},
       p.voters_on_list()},
      {"L2",
       {"Комиссия алган бюллетендер", "Бюллетени, полученные комиссией",
        "Ballots received by the commission"},
       p.ballots_received()},
      {"L3",
       {"Шайлоо жайында берилген бюллетендер", "Бюллетени, выданные в помещении",
        "Ballots issued in the polling room"},
       p.ballots_issued_in_room()},
      {"L4",
       {"Жайдан тышкары берилген бюллетендер", "Бюллетени, выданные вне помещения",
        "Ballots issued outside the room"},
       p.ballots_issued_outside()},
      {"L5",
       {"Жокко чыгарылган бюллетендер", "Погашенные бюллетени", "Cancelled ballots"},
       p.ballots_cancelled()},
      {"L6",
       {"Стационардык кутудагы бюллетендер", "Бюллетени в стационарном ящике",
        "Ballots in the stationary box"},
       p.ballots_in_stationary_box()},
      {"L7",
       {"Көчмө кутулардагы бюллетендер", "Бюллетени в переносных ящиках",
        "Ballots in mobile boxes"},
       p.ballots_in_mobile_boxes()},
      {"L10", {"Жоголгон бюллетендер", "Утраченные бюллетени", "Lost ballots"}, p.ballots_lost()},
      {"L11",
       {"Алууда эсепке алынбаган бюллетендер", "Бюллетени, не учтённые при получении",
        "Ballots not counted at receipt"},
       p.ballots_not_counted_at_receipt()},
  };
}

std::vector<Line> ContestLines(const ContestResult& r) {
  return {
      {"L8",
       {"Жараксыз бюллетендер", "Недействительные бюллетени", "Invalid ballots"},
       r.invalid_ballots()},
      {"L9",
       {"Жарактуу бюллетендер", "Действительные бюллетени", "Valid ballots"},
       r.valid_ballots()},
  };
}

std::string Tri(const Trilingual& t) { return absl::StrCat(t.ky, " / ", t.ru, " / ", t.en); }

Trilingual StatusName(ProtocolStatus status) {
  switch (status) {
    case PRELIMINARY:
      return {"алдын ала", "предварительный", "preliminary"};
    case FINAL:
      return {"акыркы", "окончательный", "final"};
    case CORRECTION:
      return {"оңдолгон", "уточнённый", "correction"};
    default:
      return {"белгисиз", "не указан", "unspecified"};
  }
}

std::string TimeText(std::int64_t unix_seconds) {
  if (unix_seconds == 0) return "-";
  return UtcText(unix_seconds);
}

std::string OptionName(const Contest* contest, const std::string& option_id) {
  const Option* option = contest == nullptr ? nullptr : FindOption(*contest, option_id);
  if (option == nullptr) return option_id;
  if (option->name().ru() == option->name().ky() || option->name().ru().empty()) {
    return option->name().ky();
  }
  return absl::StrCat(option->name().ky(), " / ", option->name().ru());
}

std::string ContestTitle(const Contest* contest, const std::string& contest_id) {
  if (contest == nullptr) return contest_id;
  return absl::StrCat(contest->title().ky(), " / ", contest->title().ru());
}

}  // namespace internal

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string FormatProtocolText(const Election& election, const PrecinctProtocol& p) {
  using internal::Line;
  std::string out;
  absl::StrAppend(&out, "Precinct protocol / Протокол участковой избирательной комиссии\n",
                  election.title().ru(), "\n");
  absl::StrAppend(&out, "election   ", p.election_id(), " (hash ", p.election_hash(), ")\n");
  const Precinct* precinct = FindPrecinct(election, p.precinct_id());
  absl::StrAppend(&out, "precinct   ", p.precinct_id(),
                  precinct == nullptr ? "" : absl::StrCat(" ", precinct->name().ru()), "\n");
  absl::StrAppend(&out, "reader     ", p.reader_serial(), "\n");
  absl::StrAppend(&out, "revision   ", p.revision(), ", ", internal::StatusName(p.status()).en,
                  "\n");
  absl::StrAppend(&out, "opened     ", internal::TimeText(p.polls_opened_unix_seconds()), "\n");
  absl::StrAppend(&out, "closed     ", internal::TimeText(p.polls_closed_unix_seconds()), "\n");
  absl::StrAppend(&out, "made       ", internal::TimeText(p.created_unix_seconds()), "\n\n");
  for (const Line& line : internal::GeneralLines(p)) {
    absl::StrAppend(&out, absl::StrFormat("%-4s %10d  %s / %s\n", line.code, line.value,
                                          line.name.ru, line.name.en));
  }
  for (const ContestResult& r : p.contests()) {
    const Contest* contest = FindContest(election, r.contest_id());
    absl::StrAppend(&out, "\n", internal::ContestTitle(contest, r.contest_id()), " [",
                    r.contest_id(), "], vote for ", r.vote_for(), "\n");
    for (const Line& line : internal::ContestLines(r)) {
      absl::StrAppend(&out, absl::StrFormat("%-4s %10d  %s / %s\n", line.code, line.value,
                                            line.name.ru, line.name.en));
    }
    for (int i = 0; i < r.options_size(); ++i) {
      absl::StrAppend(&out,
                      absl::StrFormat("L%-3d %10d  %s\n", 12 + i, r.options(i).votes(),
                                      internal::OptionName(contest, r.options(i).option_id())));
    }
  }
  // The relations need the protocol's own election definition.
  if (election.id() == p.election_id()) {
    absl::StrAppend(&out, "\ncontrol relations\n");
    for (const ProtocolCheck& c : CheckProtocol(p, election, std::nullopt)) {
      absl::StrAppend(&out, absl::StrFormat("  %-8s %-36s %s\n",
                                            c.holds ? "holds" : (c.blocking ? "BROKEN" : "WARNING"),
                                            c.relation, c.detail));
    }
  }
  absl::StrAppend(&out, "\nrecords root hash    ", p.records_root_hash(), "\n");
  absl::StrAppend(&out, "event log head hash  ", p.event_log_head_hash(), "\n");
  return out;
}

std::string FormatProtocolJson(const PrecinctProtocol& p) {
  std::string out = absl::StrCat(
      "{\"election_id\":", JsonString(p.election_id()),
      ",\"election_hash\":", JsonString(p.election_hash()),
      ",\"precinct_id\":", JsonString(p.precinct_id()),
      ",\"reader_serial\":", JsonString(p.reader_serial()), ",\"revision\":", p.revision(),
      ",\"status\":", JsonString(internal::StatusName(p.status()).en),
      ",\"polls_opened_unix_seconds\":", p.polls_opened_unix_seconds(),
      ",\"polls_closed_unix_seconds\":", p.polls_closed_unix_seconds(),
      ",\"created_unix_seconds\":", p.created_unix_seconds(), ",\"lines\":{");
  bool first = true;
  for (const internal::Line& line : internal::GeneralLines(p)) {
    absl::StrAppend(&out, first ? "" : ",", "\"", line.code, "\":", line.value);
    first = false;
  }
  out += "},\"contests\":[";
  for (int c = 0; c < p.contests_size(); ++c) {
    const ContestResult& r = p.contests(c);
    absl::StrAppend(&out, c ? "," : "", "{\"contest_id\":", JsonString(r.contest_id()),
                    ",\"vote_for\":", r.vote_for(), ",\"L8\":", r.invalid_ballots(),
                    ",\"L9\":", r.valid_ballots(), ",\"options\":[");
    for (int i = 0; i < r.options_size(); ++i) {
      absl::StrAppend(&out, i ? "," : "", "{\"line\":\"L", 12 + i,
                      "\",\"option_id\":", JsonString(r.options(i).option_id()),
                      ",\"votes\":", r.options(i).votes(), "}");
    }
    out += "]}";
  }
  absl::StrAppend(&out, "],\"records_root_hash\":", JsonString(p.records_root_hash()),
                  ",\"event_log_head_hash\":", JsonString(p.event_log_head_hash()), "}");
  return out;
}

}  // namespace esep::report
