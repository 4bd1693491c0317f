#include "esep/proto/protocol_text.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "esep/proto/election.h"
#include "esep/proto/utc_time.h"

namespace esep {

std::vector<ProtocolLine> GeneralProtocolLines(const PrecinctProtocol& p) {
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

std::vector<ProtocolLine> ContestProtocolLines(const ContestResult& r) {
  return {
      {"L8",
       {"Жараксыз бюллетендер", "Недействительные бюллетени", "Invalid ballots"},
       r.invalid_ballots()},
      {"L9",
       {"Жарактуу бюллетендер", "Действительные бюллетени", "Valid ballots"},
       r.valid_ballots()},
  };
}

std::string JoinTrilingual(const Trilingual& t) {
  return absl::StrCat(t.ky, " / ", t.ru, " / ", t.en);
}

Trilingual ProtocolStatusName(ProtocolStatus status) {
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

std::string ProtocolTimeText(std::int64_t unix_seconds) {
  if (unix_seconds == 0) return "-";
  // Asia/Bishkek: UTC+6 all year (no daylight saving since 2005).
  constexpr std::int64_t kBishkekOffsetSeconds = 6 * 3600;
  const std::string local = UtcText(unix_seconds + kBishkekOffsetSeconds);
  const std::string utc = UtcText(unix_seconds);
  return absl::StrCat(local.substr(0, 19), " Бишкек/Bishkek (UTC+6) = ", utc.substr(11));
}

std::string PrintedOptionName(const Contest* contest, const std::string& option_id) {
  const Option* option = contest == nullptr ? nullptr : FindOption(*contest, option_id);
  if (option == nullptr) return option_id;
  const std::string& ky = option->name().ky();
  const std::string& ru = option->name().ru();
  if (ky.empty() || ru.empty() || ky == ru) return ky.empty() ? ru : ky;
  return absl::StrCat(ky, " / ", ru);
}

std::string PrintedContestTitle(const Contest* contest, const std::string& contest_id) {
  if (contest == nullptr) return contest_id;
  return absl::StrCat(contest->title().ky(), " / ", contest->title().ru());
}

std::vector<ProtocolChange> ProtocolChanges(const Election& election,
                                            const PrecinctProtocol& before,
                                            const PrecinctProtocol& after) {
  std::vector<ProtocolChange> changes;
  const auto note = [&changes](std::string code, std::string name, std::uint64_t was,
                               std::uint64_t now) {
    if (was != now) changes.push_back({std::move(code), std::move(name), was, now});
  };
  const std::vector<ProtocolLine> was = GeneralProtocolLines(before);
  const std::vector<ProtocolLine> now = GeneralProtocolLines(after);
  for (std::size_t i = 0; i < now.size() && i < was.size(); ++i) {
    note(now[i].code, JoinTrilingual(now[i].name), was[i].value, now[i].value);
  }
  const auto find_result = [](const PrecinctProtocol& p, const std::string& id) {
    for (const ContestResult& r : p.contests()) {
      if (r.contest_id() == id) return r;
    }
    return ContestResult();
  };
  const auto votes_of = [](const ContestResult& r, const std::string& option_id) -> std::uint64_t {
    for (const OptionVotes& o : r.options()) {
      if (o.option_id() == option_id) return o.votes();
    }
    return 0;
  };
  for (const ContestResult& r : after.contests()) {
    const ContestResult old = find_result(before, r.contest_id());
    const Contest* contest = FindContest(election, r.contest_id());
    const std::string prefix = absl::StrCat("[", r.contest_id(), "] ");
    const std::vector<ProtocolLine> lines_was = ContestProtocolLines(old);
    const std::vector<ProtocolLine> lines_now = ContestProtocolLines(r);
    for (std::size_t i = 0; i < lines_now.size(); ++i) {
      note(lines_now[i].code, prefix + JoinTrilingual(lines_now[i].name), lines_was[i].value,
           lines_now[i].value);
    }
    for (int i = 0; i < r.options_size(); ++i) {
      note(absl::StrCat("L", 12 + i), prefix + PrintedOptionName(contest, r.options(i).option_id()),
           votes_of(old, r.options(i).option_id()), r.options(i).votes());
    }
  }
  return changes;
}

std::string FormatProtocolText(const Election& election, const PrecinctProtocol& p,
                               const std::vector<ProtocolCheck>& checks,
                               const PrecinctProtocol* replaced) {
  const Trilingual status = ProtocolStatusName(p.status());
  std::string out;
  const auto append_line = [&out](const ProtocolLine& line) {
    absl::StrAppend(&out, absl::StrFormat("%-4s %10d  %s / %s\n", line.code, line.value,
                                          line.name.ru, line.name.en));
  };
  absl::StrAppend(&out, "PRECINCT PROTOCOL / ПРОТОКОЛ УЧАСТКОВОЙ ИЗБИРАТЕЛЬНОЙ КОМИССИИ\n",
                  election.title().ky(), " / ", election.title().ru(), "\n");
  absl::StrAppend(&out, "election   ", p.election_id(), " (hash ", p.election_hash(), ")\n");
  const Precinct* precinct = FindPrecinct(election, p.precinct_id());
  absl::StrAppend(&out, "precinct   ", p.precinct_id(),
                  precinct == nullptr ? "" : absl::StrCat(" ", precinct->name().ru()), "\n");
  absl::StrAppend(&out, "reader     ", p.reader_serial(), "\n");
  if (!p.ballot_kind().empty()) {
    const BallotKind* kind = FindBallotKind(election, p.ballot_kind());
    absl::StrAppend(
        &out, "ballot     ", p.ballot_kind(),
        kind == nullptr ? "" : absl::StrCat(" ", kind->name().ky(), " / ", kind->name().ru()),
        "\n");
  }
  absl::StrAppend(&out, "revision   ", p.revision(), ", ", status.en, " / ", status.ru, "\n");
  absl::StrAppend(&out, "opened     ", ProtocolTimeText(p.polls_opened_unix_seconds()), "\n");
  absl::StrAppend(&out, "closed     ", ProtocolTimeText(p.polls_closed_unix_seconds()), "\n");
  absl::StrAppend(&out, "made       ", ProtocolTimeText(p.created_unix_seconds()), "\n\n");
  for (const ProtocolLine& line : GeneralProtocolLines(p)) append_line(line);
  for (const ContestResult& r : p.contests()) {
    const Contest* contest = FindContest(election, r.contest_id());
    absl::StrAppend(&out, "\n", PrintedContestTitle(contest, r.contest_id()), " [", r.contest_id(),
                    "], vote for ", r.vote_for(), "\n");
    for (const ProtocolLine& line : ContestProtocolLines(r)) append_line(line);
    for (int i = 0; i < r.options_size(); ++i) {
      absl::StrAppend(&out, absl::StrFormat("L%-3d %10d  %s\n", 12 + i, r.options(i).votes(),
                                            PrintedOptionName(contest, r.options(i).option_id())));
    }
  }
  if (replaced != nullptr) {
    const std::vector<ProtocolChange> changes = ProtocolChanges(election, *replaced, p);
    absl::StrAppend(&out, "\nchanges from revision ", replaced->revision(),
                    " / изменения к редакции ", replaced->revision(),
                    changes.empty() ? ": no number changed / числа не изменились" : "", "\n");
    for (const ProtocolChange& c : changes) {
      absl::StrAppend(
          &out, absl::StrFormat("  %-4s %10d -> %-10d %s\n", c.code, c.before, c.after, c.name));
    }
  }
  if (!checks.empty()) {
    absl::StrAppend(&out, "\ncontrol relations\n");
    for (const ProtocolCheck& c : checks) {
      absl::StrAppend(&out, absl::StrFormat("  %-8s %-36s %s\n",
                                            c.holds ? "holds" : (c.blocking ? "BROKEN" : "WARNING"),
                                            c.relation, c.detail));
    }
  }
  if (!p.commission_explanation().empty()) {
    absl::StrAppend(&out, "explanation: ", p.commission_explanation(), "\n");
  }
  absl::StrAppend(&out, "\nrecords root hash    ", p.records_root_hash(), "\n");
  absl::StrAppend(&out, "event log head hash  ", p.event_log_head_hash(), "\n");
  return out;
}

}  // namespace esep
