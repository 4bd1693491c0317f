#include "esep/transport/results_site.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "esep/proto/election.h"
#include "esep/proto/protocol_checks.h"
#include "esep/proto/protocol_text.h"
#include "esep/proto/sha256.h"
#include "esep/proto/utc_time.h"
#include "esep/transport/results_format.h"
#include "esep/transport/signing.h"
#include "esep/transport/tabulation_results.h"
#include "nlohmann/json.hpp"

namespace esep::transport {
namespace fs = std::filesystem;

namespace {

constexpr char kGenerationPrefix[] = "gen-";
constexpr char kCurrent[] = "current";

// The msgids the verifier page (JavaScript) shows, written to verify/text.json per language.
constexpr const char* kVerifierMsgids[] = {
    N_("Check a printed protocol"),
    N_("Take a photo of the QR codes or choose a picture of the printed sheet."),
    N_("Choose a photo"),
    N_("Use the camera"),
    N_("Reading the QR codes..."),
    N_("PROVED: the reader of this precinct signed these numbers."),
    N_("REFUSED"),
    N_("No QR code of a protocol was found in the picture."),
    N_("Some QR codes of the protocol are missing."),
    N_("The chain of QR codes is broken: the codes come from different printings or one "
       "was changed."),
    N_("The signature does not match the numbers: the protocol was changed after it was signed."),
    N_("The protocol is signed by a key that is not published for its precinct."),
    N_("The protocol is not of this precinct."),
    N_("Precinct"),
    N_("Revision"),
    N_("Line"),
    N_("Kyrgyz"),
    N_("Russian"),
    N_("Signed by the reader"),
    N_("Centre's copy"),
    N_("The centre publishes the same protocol."),
    N_("The centre publishes another revision or other numbers for this precinct."),
    N_("The centre's copy cannot be loaded (offline); the signature check above does not "
       "need it."),
    N_("Key"),
    N_("Country"),
};

std::string_view LanguageField(const LocalizedText& text, SiteLanguage language) {
  switch (language) {
    case SiteLanguage::kKyrgyz:
      if (!text.ky().empty()) return text.ky();
      break;
    case SiteLanguage::kRussian:
      break;
    case SiteLanguage::kEnglish:
      if (!text.en().empty()) return text.en();
      break;
  }
  return text.ru();
}

const char* TrilingualField(const Trilingual& t, SiteLanguage language) {
  switch (language) {
    case SiteLanguage::kKyrgyz:
      return t.ky;
    case SiteLanguage::kRussian:
      return t.ru;
    case SiteLanguage::kEnglish:
      return t.en;
  }
  return t.en;
}

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// One HTML page in one language. Every figure goes through Count() or Percent(): a share or a
// turnout above 100% makes the page, and with it the whole publication, fail.
class Page {
 public:
  Page(const SiteText& text, SiteLanguage language) : text_(text), language_(language) {}

  SiteLanguage language() const { return language_; }
  std::string T(std::string_view msgid) const { return Escape(text_(language_, msgid)); }
  std::string Name(const LocalizedText& text) const {
    return Escape(LanguageField(text, language_));
  }
  Page& Raw(std::string_view html) {
    out_.append(html);
    return *this;
  }
  Page& Text(std::string_view text) {
    out_.append(Escape(text));
    return *this;
  }
  Page& Count(std::uint64_t n) {
    out_.append(absl::StrCat(n));
    return *this;
  }
  // "16.40%", refused above 100%.
  Page& Percent(std::uint64_t share, const std::string& what) {
    if (share > kFullShare)
      Fail(absl::StrCat(what, " would be shown as ", FormatShare(share), "%"));
    out_.append(FormatShare(share)).append("%");
    return *this;
  }
  // A horizontal bar of `share` (at most 100%) in inline SVG.
  Page& Bar(std::uint64_t share, const std::string& what, bool highlight = false) {
    if (share > kFullShare) {
      Fail(absl::StrCat(what, " would be drawn as ", FormatShare(share), "%"));
      share = kFullShare;
    }
    const std::uint64_t width = share * 200 / kFullShare;
    out_.append(absl::StrCat(
        "<svg class=\"bar\" width=\"200\" height=\"12\" role=\"img\" aria-hidden=\"true\">"
        "<rect width=\"200\" height=\"12\" class=\"track\"/><rect width=\"",
        width, "\" height=\"12\" class=\"", highlight ? "fill lead" : "fill", "\"/></svg>"));
    return *this;
  }
  void Fail(std::string why) {
    if (status_.ok())
      status_ = absl::InternalError(absl::StrCat(why, "; the site is not published."));
  }
  const absl::Status& status() const { return status_; }
  std::string Take() { return std::move(out_); }

 private:
  const SiteText& text_;
  SiteLanguage language_;
  std::string out_;
  absl::Status status_;
};

// What the site says about one precinct.
enum class PrecinctState { kCounted, kHeld, kNotCounted, kMissing };

struct SiteIndex {
  const Election& election;
  const SiteModel& model;
  std::map<std::string, const UnitTotals*> counted;
  std::map<std::string, const ExcludedProtocol*> excluded;
  std::map<std::string, std::vector<const Precinct*>> precincts_of_region;
  std::vector<std::string> region_order;
  std::map<std::string, std::set<std::string>> precincts_of_contest;
  // The definition hashed and indexed once: every precinct page checks its protocol with it.
  ElectionIndex election_index;

  SiteIndex(const Election& e, const SiteModel& m) : election(e), model(m), election_index(e) {
    for (const UnitTotals& u : m.results.precincts) counted[u.id] = &u;
    for (const ExcludedProtocol& x : m.results.excluded) excluded[x.precinct_id] = &x;
    for (const Precinct& p : e.precincts()) {
      const std::string region = RegionOf(p.id());
      if (!precincts_of_region.contains(region)) region_order.push_back(region);
      precincts_of_region[region].push_back(&p);
    }
    precincts_of_contest = PrecinctsByContest(e);
  }

  PrecinctState StateOf(const std::string& precinct_id) const {
    if (counted.contains(precinct_id)) return PrecinctState::kCounted;
    auto x = excluded.find(precinct_id);
    if (x == excluded.end()) return PrecinctState::kMissing;
    return x->second->exclusion == Exclusion::kHeldForReview ? PrecinctState::kHeld
                                                             : PrecinctState::kNotCounted;
  }
};

std::string StateMsgid(PrecinctState state) {
  switch (state) {
    case PrecinctState::kCounted:
      return N_("counted");
    case PrecinctState::kHeld:
      return N_("under review, not counted");
    case PrecinctState::kNotCounted:
      return N_("not counted");
    case PrecinctState::kMissing:
      return N_("no protocol yet");
  }
  return N_("no protocol yet");
}

std::string StateClass(PrecinctState state) {
  switch (state) {
    case PrecinctState::kCounted:
      return "counted";
    case PrecinctState::kHeld:
      return "held";
    case PrecinctState::kNotCounted:
      return "held";
    case PrecinctState::kMissing:
      return "missing";
  }
  return "missing";
}

std::string PrecinctHref(const std::string& id) { return absl::StrCat("precinct-", id, ".html"); }
std::string RegionHref(const std::string& id) { return absl::StrCat("region-", id, ".html"); }
std::string DistrictHref(const std::string& id) { return absl::StrCat("district-", id, ".html"); }
std::string ProtocolFile(const std::string& id, std::uint32_t revision) {
  return absl::StrCat("protocols/", id, "-r", revision, ".pb");
}

void Head(Page& page, std::string_view title, const std::string& self) {
  page.Raw("<!doctype html>\n<html lang=\"")
      .Raw(text::LanguageCode(page.language()))
      .Raw(
          "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
          "content=\"width=device-width, initial-scale=1\"><title>")
      .Text(title)
      .Raw("</title><link rel=\"stylesheet\" href=\"../style.css\"></head><body><header><nav>");
  page.Raw("<a href=\"index.html\">").Raw(page.T(N_("Country"))).Raw("</a> ");
  page.Raw("<a href=\"missing.html\">").Raw(page.T(N_("Precincts still missing"))).Raw("</a> ");
  page.Raw("<a href=\"../verify/index.html?lang=")
      .Raw(text::LanguageCode(page.language()))
      .Raw("\">")
      .Raw(page.T(N_("Check a printed protocol")))
      .Raw("</a><span class=\"langs\">");
  for (SiteLanguage l : text::kAllLanguages) {
    const std::string code(text::LanguageCode(l));
    page.Raw(absl::StrCat(" <a href=\"../", code, "/", self, "\" hreflang=\"", code, "\">", code,
                          "</a>"));
  }
  page.Raw("</span></nav></header><main>");
}

// The publication's time goes on the pages that sum many precincts; a precinct's page shows the
// times its protocols were received instead, so that it stays the same bytes until one more of
// its protocols is stored (SiteCarryOver).
void Foot(Page& page, const SiteModel* published) {
  page.Raw("</main><footer>");
  if (published != nullptr) {
    page.Raw(page.T(N_("Published")))
        .Raw(" ")
        .Text(UtcText(published->generated_unix_seconds))
        .Raw(". ");
  }
  page.Raw(page.T(N_(
               "Every file of this site is listed with its SHA-256 in MANIFEST.txt, signed by the "
               "tabulation centre's key.")))
      .Raw(
          " <a href=\"../MANIFEST.txt\">MANIFEST.txt</a> <a "
          "href=\"../MANIFEST.sig\">MANIFEST.sig</a>"
          " <a href=\"../centre-key.txt\">centre-key.txt</a></footer></body></html>\n");
}

// "Precincts counted: 12 / 40" and the turnout with its bar.
void UnitSummary(Page& page, const UnitTotals& unit, std::uint64_t counted, std::uint64_t expected,
                 const std::string& who) {
  if (counted > expected) {
    page.Fail(absl::StrCat(who, " would show ", counted, " precincts counted of ", expected));
  }
  page.Raw("<dl class=\"summary\"><dt>")
      .Raw(page.T(N_("Precincts counted")))
      .Raw("</dt><dd class=\"counted\">")
      .Count(counted)
      .Raw(" / ")
      .Count(expected)
      .Raw("</dd><dt>")
      .Raw(page.T(N_("Voters on the list")))
      .Raw("</dt><dd>")
      .Count(unit.voters_on_list)
      .Raw("</dd><dt>")
      .Raw(page.T(N_("Ballots in the boxes")))
      .Raw("</dt><dd>")
      .Count(unit.ballots_in_boxes)
      .Raw("</dd><dt>")
      .Raw(page.T(N_("Turnout")))
      .Raw("</dt><dd><span class=\"turnout\" data-share=\"")
      .Count(unit.turnout)
      .Raw("\">")
      .Percent(unit.turnout, absl::StrCat("turnout of ", who))
      .Raw("</span> ")
      .Bar(unit.turnout, absl::StrCat("turnout of ", who))
      .Raw("</dd></dl>\n");
}

// An option's name in the page's language; its id when the contest does not have it.
std::string OptionName(const Page& page, const Contest* contest, const std::string& option_id) {
  const Option* option = contest != nullptr ? FindOption(*contest, option_id) : nullptr;
  return option != nullptr ? page.Name(option->name()) : Escape(option_id);
}

// One row of the protocol's lines: code, name in the page's language, value.
void LineRow(Page& page, const ProtocolLine& line) {
  page.Raw("<tr><td>")
      .Text(line.code)
      .Raw("</td><td>")
      .Text(TrilingualField(line.name, page.language()))
      .Raw("</td><td class=\"num\">")
      .Count(line.value)
      .Raw("</td></tr>");
}

// One contest's table: options, votes, shares (with bars), seats for party lists.
void ContestTable(Page& page, const Election& election, const ContestTotal& total,
                  const std::string& who, bool with_seats) {
  const Contest* contest = FindContest(election, total.contest_id);
  page.Raw("<section class=\"contest\" data-contest=\"").Text(total.contest_id).Raw("\"><h2>");
  if (contest != nullptr) {
    page.Raw(page.Name(contest->title()));
  } else {
    page.Text(total.contest_id);
  }
  page.Raw("</h2><p>")
      .Raw(page.T(N_("Precincts counted")))
      .Raw(": ")
      .Count(total.precincts_counted)
      .Raw(" / ")
      .Count(total.precincts_expected)
      .Raw(". ")
      .Raw(page.T(N_("Valid ballots")))
      .Raw(": ")
      .Count(total.valid_ballots)
      .Raw(". ")
      .Raw(page.T(N_("Invalid ballots")))
      .Raw(": ")
      .Count(total.invalid_ballots)
      .Raw(".</p>");
  if (total.precincts_counted > total.precincts_expected) {
    page.Fail(absl::StrCat("contest ", total.contest_id, " in ", who, " would show ",
                           total.precincts_counted, " precincts counted of ",
                           total.precincts_expected));
  }
  if (total.against_all_leads) {
    page.Raw("<p class=\"note\">")
        .Raw(
            page.T(N_("\"Against all\" leads: nobody is elected here and the vote is held again.")))
        .Raw("</p>");
  }
  page.Raw("<table class=\"results\"><thead><tr><th>")
      .Raw(page.T(N_("Option")))
      .Raw("</th><th>")
      .Raw(page.T(N_("Votes")))
      .Raw("</th><th>")
      .Raw(page.T(N_("Share")))
      .Raw("</th><th></th>");
  if (with_seats) page.Raw("<th>").Raw(page.T(N_("Seats"))).Raw("</th>");
  page.Raw("</tr></thead><tbody>");
  std::uint64_t share_sum = 0;
  for (std::size_t i = 0; i < total.options.size(); ++i) {
    const OptionTotal& o = total.options[i];
    share_sum += o.share;
    const bool lead =
        std::find(total.leaders.begin(), total.leaders.end(), o.option_id) != total.leaders.end();
    const std::string what =
        absl::StrCat("the share of ", o.option_id, " in ", total.contest_id, " (", who, ")");
    page.Raw("<tr><td>")
        .Raw(OptionName(page, contest, o.option_id))
        .Raw("</td><td class=\"num\">")
        .Count(o.votes)
        .Raw("</td><td class=\"num share\" data-share=\"")
        .Count(o.share)
        .Raw("\">")
        .Percent(o.share, what)
        .Raw("</td><td>")
        .Bar(o.share, what, lead)
        .Raw("</td>");
    if (with_seats) page.Raw("<td class=\"num\">").Count(o.seats).Raw("</td>");
    page.Raw("</tr>");
  }
  if (share_sum > kFullShare) {
    page.Fail(absl::StrCat("the shares of ", total.contest_id, " in ", who, " would add up to ",
                           FormatShare(share_sum), "%"));
  }
  page.Raw("</tbody></table></section>\n");
}

void PrecinctList(Page& page, const SiteIndex& index,
                  const std::vector<const Precinct*>& precincts) {
  page.Raw("<table class=\"precincts\"><thead><tr><th>")
      .Raw(page.T(N_("Precinct")))
      .Raw("</th><th>")
      .Raw(page.T(N_("State")))
      .Raw("</th><th>")
      .Raw(page.T(N_("Turnout")))
      .Raw("</th></tr></thead><tbody>");
  for (const Precinct* p : precincts) {
    const PrecinctState state = index.StateOf(p->id());
    page.Raw("<tr class=\"")
        .Raw(StateClass(state))
        .Raw("\" data-precinct=\"")
        .Text(p->id())
        .Raw("\"><td><a href=\"")
        .Raw(PrecinctHref(p->id()))
        .Raw("\">")
        .Text(p->id())
        .Raw("</a> ")
        .Raw(page.Name(p->name()))
        .Raw("</td><td>")
        .Raw(page.T(StateMsgid(state)))
        .Raw("</td><td class=\"num\">");
    if (auto c = index.counted.find(p->id()); c != index.counted.end()) {
      page.Raw("<span class=\"turnout\" data-share=\"")
          .Count(c->second->turnout)
          .Raw("\">")
          .Percent(c->second->turnout, absl::StrCat("turnout of precinct ", p->id()))
          .Raw("</span>");
    }
    page.Raw("</td></tr>");
  }
  page.Raw("</tbody></table>\n");
}

bool IsDistrict(const Election& election, const SiteIndex& index, const Contest& contest) {
  if (contest.kind() != CANDIDATE) return false;
  auto it = index.precincts_of_contest.find(contest.id());
  return it != index.precincts_of_contest.end() &&
         it->second.size() < static_cast<std::size_t>(election.precincts_size());
}

std::string CountryPage(const SiteIndex& index, Page& page) {
  const Results& r = index.model.results;
  Head(page, page.Name(index.election.title()), "index.html");
  page.Raw("<h1>").Raw(page.Name(index.election.title())).Raw("</h1>");
  page.Raw("<p class=\"state\">")
      .Raw(page.T(r.complete ? N_("Every precinct is counted.")
                             : N_("Preliminary: not every precinct is counted yet.")))
      .Raw("</p>");
  UnitSummary(page, r.national, r.precincts_counted, r.precincts_expected, "the country");
  for (const ContestTotal& c : r.national.contests) {
    const Contest* contest = FindContest(index.election, c.contest_id);
    if (contest != nullptr && IsDistrict(index.election, index, *contest)) continue;
    ContestTable(page, index.election, c, "the country", c.kind == PARTY_LIST);
  }
  page.Raw("<h2>").Raw(page.T(N_("Regions"))).Raw("</h2><ul class=\"regions\">");
  for (const UnitTotals& region : index.model.regions) {
    page.Raw("<li><a href=\"")
        .Raw(RegionHref(region.id))
        .Raw("\">")
        .Raw(page.T(RegionMsgid(region.id)))
        .Raw("</a></li>");
  }
  page.Raw("</ul>");
  if (!index.model.districts.empty()) {
    page.Raw("<h2>")
        .Raw(page.T(N_("Single-mandate districts")))
        .Raw("</h2><ul class=\"districts\">");
    for (const UnitTotals& d : index.model.districts) {
      const Contest* contest = FindContest(index.election, d.id);
      page.Raw("<li><a href=\"").Raw(DistrictHref(d.id)).Raw("\">");
      if (contest != nullptr) page.Raw(page.Name(contest->title()));
      page.Raw("</a></li>");
    }
    page.Raw("</ul>");
  }
  Foot(page, &index.model);
  return page.Take();
}

std::string RegionPage(const SiteIndex& index, const UnitTotals& region, Page& page) {
  const std::string who = absl::StrCat("region ", region.id);
  Head(page, page.T(RegionMsgid(region.id)), RegionHref(region.id));
  page.Raw("<h1>").Raw(page.T(RegionMsgid(region.id))).Raw("</h1>");
  const std::vector<const Precinct*>& precincts = index.precincts_of_region.at(region.id);
  std::uint64_t counted = 0;
  for (const Precinct* p : precincts) counted += index.counted.contains(p->id()) ? 1 : 0;
  UnitSummary(page, region, counted, precincts.size(), who);
  for (const ContestTotal& c : region.contests) {
    const Contest* contest = FindContest(index.election, c.contest_id);
    if (contest != nullptr && IsDistrict(index.election, index, *contest)) {
      page.Raw("<p><a href=\"").Raw(DistrictHref(c.contest_id)).Raw("\">");
      page.Raw(page.Name(contest->title())).Raw("</a></p>");
      continue;
    }
    ContestTable(page, index.election, c, who, false);
  }
  PrecinctList(page, index, precincts);
  Foot(page, &index.model);
  return page.Take();
}

std::string DistrictPage(const SiteIndex& index, const UnitTotals& district, Page& page) {
  const Contest* contest = FindContest(index.election, district.id);
  const std::string title = contest != nullptr ? page.Name(contest->title()) : district.id;
  Head(page, title, DistrictHref(district.id));
  page.Raw("<h1>").Raw(title).Raw("</h1>");
  std::vector<const Precinct*> precincts;
  const auto& ids = index.precincts_of_contest.at(district.id);
  for (const Precinct& p : index.election.precincts()) {
    if (ids.contains(p.id())) precincts.push_back(&p);
  }
  std::uint64_t counted = 0;
  for (const Precinct* p : precincts) counted += index.counted.contains(p->id()) ? 1 : 0;
  const std::string who = absl::StrCat("district ", district.id);
  UnitSummary(page, district, counted, precincts.size(), who);
  for (const ContestTotal& c : district.contests) {
    if (c.contest_id == district.id) ContestTable(page, index.election, c, who, false);
  }
  PrecinctList(page, index, precincts);
  Foot(page, &index.model);
  return page.Take();
}

void ProtocolLines(Page& page, const Election& election, const PrecinctProtocol& p) {
  page.Raw("<table class=\"lines\"><tbody>");
  for (const ProtocolLine& line : GeneralProtocolLines(p)) LineRow(page, line);
  page.Raw("</tbody></table>");
  for (const ContestResult& r : p.contests()) {
    const Contest* contest = FindContest(election, r.contest_id());
    page.Raw("<h3>");
    if (contest != nullptr) {
      page.Raw(page.Name(contest->title()));
    } else {
      page.Text(r.contest_id());
    }
    page.Raw("</h3><table class=\"lines\"><tbody>");
    for (const ProtocolLine& line : ContestProtocolLines(r)) LineRow(page, line);
    for (int i = 0; i < r.options_size(); ++i) {
      page.Raw("<tr><td>L")
          .Count(12 + i)
          .Raw("</td><td>")
          .Raw(OptionName(page, contest, r.options(i).option_id()))
          .Raw("</td><td class=\"num\">")
          .Count(r.options(i).votes())
          .Raw("</td></tr>");
    }
    page.Raw("</tbody></table>");
  }
}

std::string PrecinctPage(const SiteIndex& index, const Precinct& precinct, Page& page) {
  Head(page, absl::StrCat(page.T(N_("Precinct")), " ", precinct.id()), PrecinctHref(precinct.id()));
  page.Raw("<h1>")
      .Raw(page.T(N_("Precinct")))
      .Raw(" ")
      .Text(precinct.id())
      .Raw("</h1><p>")
      .Raw(page.Name(precinct.name()))
      .Raw(" &mdash; <a href=\"")
      .Raw(RegionHref(RegionOf(precinct.id())))
      .Raw("\">")
      .Raw(page.T(RegionMsgid(RegionOf(precinct.id()))))
      .Raw("</a></p>");
  const PrecinctState state = index.StateOf(precinct.id());
  page.Raw("<p class=\"state ")
      .Raw(StateClass(state))
      .Raw("\" id=\"state\">")
      .Raw(page.T(StateMsgid(state)))
      .Raw("</p>");
  if (auto x = index.excluded.find(precinct.id()); x != index.excluded.end()) {
    // The reason in words; its numbers are the protocol's own lines, shown below. A turnout or
    // share computed from them would be above 100% and is never written.
    page.Raw("<p class=\"reason\">")
        .Raw(page.T(x->second->exclusion == Exclusion::kHeldForReview
                        ? N_("This protocol breaks a relation that no legitimate protocol breaks. "
                             "It is kept and shown here, and counted in no total until a "
                             "correction replaces it.")
                        : N_("This protocol cannot be counted. It is shown here and counted in no "
                             "total.")))
        .Raw("</p>");
  }
  if (auto c = index.counted.find(precinct.id()); c != index.counted.end()) {
    const std::string who = absl::StrCat("precinct ", precinct.id());
    UnitSummary(page, *c->second, 1, 1, who);
    for (const ContestTotal& t : c->second->contests) {
      ContestTable(page, index.election, t, who, false);
    }
  }
  auto history = index.model.history.find(precinct.id());
  if (history != index.model.history.end() && !history->second.empty()) {
    const StoredProtocol& latest = history->second.back();
    SignedProtocol envelope;
    PrecinctProtocol protocol;
    if (envelope.ParseFromString(latest.signed_protocol) &&
        protocol.ParseFromString(envelope.protocol())) {
      page.Raw("<h2>")
          .Raw(page.T(N_("The protocol")))
          .Raw(" (")
          .Raw(page.T(N_("Revision")))
          .Raw(" ")
          .Count(latest.revision)
          .Raw(")</h2>");
      ProtocolLines(page, index.election, protocol);
      page.Raw("<h2>")
          .Raw(page.T(N_("Control relations")))
          .Raw("</h2><table class=\"relations\"><tbody>");
      std::vector<ProtocolCheck> checks =
          CheckProtocol(protocol, index.election_index, std::nullopt);
      // The centre's review (ProtocolBounds): what no legitimate protocol breaks.
      const std::uint64_t in_boxes =
          protocol.ballots_in_stationary_box() + protocol.ballots_in_mobile_boxes();
      checks.push_back({"L6 + L7 <= L1", true, in_boxes <= protocol.voters_on_list(),
                        absl::StrCat(in_boxes, " <= ", protocol.voters_on_list())});
      if (precinct.registered_voters() != 0) {
        checks.push_back(
            {"L1 <= registered voters", true,
             protocol.voters_on_list() <= precinct.registered_voters(),
             absl::StrCat(protocol.voters_on_list(), " <= ", precinct.registered_voters())});
      }
      for (ProtocolCheck& check : checks) {
        // The relations as formulas of the protocol's lines, which read the same in every
        // language; the checks named in words (the definition's hash, the ballot kind) are the
        // centre's admission checks, which every stored protocol has passed.
        if (check.relation.find_first_of("=<>") == std::string::npos) continue;
        if (const std::size_t words = check.relation.find(" ("); words != std::string::npos) {
          check.relation.resize(words);
        }
        page.Raw("<tr class=\"")
            .Raw(check.holds ? "holds" : "broken")
            .Raw("\"><td>")
            .Text(check.relation)
            .Raw("</td><td>")
            .Text(check.detail)
            .Raw("</td><td>")
            .Raw(
                page.T(check.holds ? N_("holds") : (check.blocking ? N_("BROKEN") : N_("warning"))))
            .Raw("</td></tr>");
      }
      page.Raw("</tbody></table>");
    }
    page.Raw("<h2>")
        .Raw(page.T(N_("Revision history")))
        .Raw("</h2><table class=\"history\"><thead><tr><th>")
        .Raw(page.T(N_("Revision")))
        .Raw("</th><th>")
        .Raw(page.T(N_("Received")))
        .Raw("</th><th>")
        .Raw(page.T(N_("State")))
        .Raw("</th><th>SHA-256</th><th>")
        .Raw(page.T(N_("Signed protocol")))
        .Raw("</th></tr></thead><tbody>");
    for (const StoredProtocol& s : history->second) {
      page.Raw("<tr><td>")
          .Count(s.revision)
          .Raw("</td><td>")
          .Text(UtcText(s.received_unix_seconds))
          .Raw("</td><td>")
          .Raw(page.T(s.held() ? N_("under review, not counted") : N_("accepted")))
          .Raw("</td><td><code>")
          .Text(s.protocol_sha256.substr(0, 16))
          .Raw("</code></td><td><a download href=\"../")
          .Raw(ProtocolFile(s.precinct_id, s.revision))
          .Raw("\">")
          .Raw(page.T(N_("download")))
          .Raw("</a></td></tr>");
    }
    page.Raw("</tbody></table>");
  }
  Foot(page, nullptr);
  return page.Take();
}

std::string MissingPage(const SiteIndex& index, Page& page) {
  Head(page, page.T(N_("Precincts still missing")), "missing.html");
  page.Raw("<h1>").Raw(page.T(N_("Precincts still missing"))).Raw("</h1>");
  for (const std::string& region : index.region_order) {
    std::vector<const Precinct*> missing;
    for (const Precinct* p : index.precincts_of_region.at(region)) {
      if (index.StateOf(p->id()) != PrecinctState::kCounted) missing.push_back(p);
    }
    if (missing.empty()) continue;
    page.Raw("<h2>").Raw(page.T(RegionMsgid(region))).Raw("</h2>");
    PrecinctList(page, index, missing);
  }
  Foot(page, &index.model);
  return page.Take();
}

std::string Css() {
  return R"css(body{font-family:system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fafafa}
header{background:#12355b;padding:.5em 1em}header a{color:#fff;margin-right:1em}
.langs{float:right}main{max-width:60em;margin:0 auto;padding:1em}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left}
.num{text-align:right;font-variant-numeric:tabular-nums}
.bar .track{fill:#e6e6e6}.bar .fill{fill:#3d7dca}.bar .lead{fill:#12355b}
.summary{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}.summary dd{margin:0}
tr.held td,.state.held{color:#a33}tr.missing td{color:#777}.broken td{color:#a33;font-weight:bold}
.reason{background:#fee;padding:.5em}footer{font-size:small;color:#555;padding:1em;max-width:60em;margin:0 auto}
)css";
}

std::string PrecinctJson(const SiteIndex& index, const Precinct& precinct) {
  nlohmann::ordered_json j;
  j["precinct"] = precinct.id();
  const PrecinctState state = index.StateOf(precinct.id());
  j["state"] = StateClass(state);
  auto history = index.model.history.find(precinct.id());
  if (history != index.model.history.end() && !history->second.empty()) {
    const StoredProtocol& latest = history->second.back();
    j["revision"] = latest.revision;
    j["protocol_sha256"] = latest.protocol_sha256;
    j["held_reason"] = latest.held_reason;
    j["signed_protocol"] = ProtocolFile(latest.precinct_id, latest.revision);
  }
  return j.dump(1) + "\n";
}

struct GenerationWriter {
  fs::path dir;
  std::map<std::string, std::string> manifest;  // relative path -> SHA-256 hex

  absl::Status Write(const std::string& relative, std::string_view bytes) {
    const fs::path path = dir / relative;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot write ", path.string(),
                       ": check the free space and the permissions of the "
                       "site directory"));
    }
    const Sha256Digest digest = Sha256(bytes);
    manifest[relative] = ToHex(digest);
    return absl::OkStatus();
  }

  // The file `relative` of the generation `carry` describes, hard-linked into this one with the
  // SHA-256 it was written with; false (and nothing listed) where that cannot be done.
  bool Link(const SiteCarryOver& carry, const std::string& relative) {
    auto sha = carry.manifest.find(relative);
    if (sha == carry.manifest.end()) return false;
    const fs::path path = dir / relative;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    fs::create_hard_link(carry.generation / relative, path, ec);
    if (ec) return false;
    manifest[relative] = sha->second;
    return true;
  }
};

absl::StatusOr<std::string> ReadWhole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Hex(std::string_view bytes) {
  return ToHex(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

}  // namespace

absl::StatusOr<SiteText> SiteTextOfCatalogs() {
  absl::StatusOr<text::Catalog> catalog = text::Catalog::Load("esep-site");
  if (!catalog.ok()) return catalog.status();
  auto shared = std::make_shared<const text::Catalog>(*std::move(catalog));
  return SiteText([shared](SiteLanguage language, std::string_view msgid) {
    return shared->Get(language, msgid);
  });
}

std::string RegionOf(std::string_view precinct_id) {
  return precinct_id.empty() ? std::string("-") : std::string(precinct_id.substr(0, 1));
}

std::string RegionMsgid(std::string_view region_id) {
  static const std::map<std::string, std::string, std::less<>> kNames = {
      {"1", N_("Bishkek city")},     {"2", N_("Osh city")},
      {"3", N_("Batken region")},    {"4", N_("Jalal-Abad region")},
      {"5", N_("Issyk-Kul region")}, {"6", N_("Naryn region")},
      {"7", N_("Osh region")},       {"8", N_("Talas region")},
      {"9", N_("Chuy region")},      {"0", N_("Abroad")},
  };
  auto it = kNames.find(region_id);
  return it != kNames.end() ? it->second : std::string(N_("Other precincts"));
}

namespace {

// The site's data from the results and every stored protocol: history, keys, regions, districts.
absl::StatusOr<SiteModel> CompleteSiteModel(const Election& election, TabulationStore& store,
                                            std::int64_t now_unix_seconds, Results results,
                                            std::vector<StoredProtocol> protocols) {
  SiteModel model;
  model.generated_unix_seconds = now_unix_seconds;
  model.results = std::move(results);
  for (StoredProtocol& p : protocols) model.history[p.precinct_id].push_back(std::move(p));
  for (auto& [id, revisions] : model.history) {
    std::stable_sort(
        revisions.begin(), revisions.end(),
        [](const StoredProtocol& a, const StoredProtocol& b) { return a.revision < b.revision; });
  }
  absl::StatusOr<std::vector<RegisteredReader>> readers = store.Readers();
  if (!readers.ok()) return readers.status();
  for (const RegisteredReader& r : *readers) {
    if (!r.revoked()) model.reader_keys[r.precinct_id].push_back(Hex(r.public_key));
  }

  std::vector<std::string> regions;
  for (const Precinct& p : election.precincts()) {
    const std::string region = RegionOf(p.id());
    if (std::find(regions.begin(), regions.end(), region) == regions.end()) {
      regions.push_back(region);
    }
  }
  // Which contests each precinct's ballots carry, found once for every region and district.
  const auto precincts_by_contest = PrecinctsByContest(election);
  for (const std::string& region : regions) {
    absl::StatusOr<UnitTotals> totals = GroupTotals(
        election, model.results, region,
        [&](std::string_view id) { return RegionOf(id) == region; }, &precincts_by_contest);
    if (!totals.ok()) return totals.status();
    model.regions.push_back(*std::move(totals));
  }
  const SiteIndex index(election, model);
  for (const Contest& contest : election.contests()) {
    if (!IsDistrict(election, index, contest)) continue;
    const std::set<std::string>& ids = index.precincts_of_contest.at(contest.id());
    absl::StatusOr<UnitTotals> totals = GroupTotals(
        election, model.results, contest.id(),
        [&](std::string_view id) { return ids.contains(std::string(id)); }, &precincts_by_contest);
    if (!totals.ok()) return totals.status();
    model.districts.push_back(*std::move(totals));
  }
  return model;
}

}  // namespace

absl::StatusOr<SiteModel> BuildSiteModel(const Election& election, TabulationStore& store,
                                         std::int64_t now_unix_seconds) {
  absl::StatusOr<Results> results = ResultsOfStore(election, store);
  if (!results.ok()) return results.status();
  absl::StatusOr<std::vector<StoredProtocol>> protocols = store.Protocols();
  if (!protocols.ok()) return protocols.status();
  return CompleteSiteModel(election, store, now_unix_seconds, *std::move(results),
                           *std::move(protocols));
}

absl::StatusOr<SiteModel> BuildSiteModel(const Election& election, TabulationStore& store,
                                         std::int64_t now_unix_seconds,
                                         ResultsAggregator& aggregator,
                                         std::int64_t& counted_through,
                                         std::set<std::string>* stored_for) {
  absl::StatusOr<std::vector<StoredProtocol>> protocols = store.Protocols();
  if (!protocols.ok()) return protocols.status();
  absl::StatusOr<RegisteredKeys> keys = RegisteredKeys::Of(store);
  if (!keys.ok()) return keys.status();
  // Only the protocols stored since the last publication are verified and counted; a
  // correction or a held revision replaces what its precinct added before.
  for (const StoredProtocol& p : *protocols) {
    if (p.sequence <= counted_through) continue;
    PutStoredProtocol(p, *keys, aggregator);
    counted_through = p.sequence;
    if (stored_for != nullptr) stored_for->insert(p.precinct_id);
  }
  absl::StatusOr<Results> results = aggregator.Snapshot();
  if (!results.ok()) return results.status();
  return CompleteSiteModel(election, store, now_unix_seconds, *std::move(results),
                           *std::move(protocols));
}

absl::Status CheckSiteModel(const Election& election, const SiteModel& model) {
  const Results& results = model.results;
  if (absl::Status s = CheckPublishable(results); !s.ok()) return s;
  auto refuse = [](std::string what) {
    return absl::InternalError(absl::StrCat(what, "; the site is not published."));
  };
  std::set<std::string> known;
  for (const Precinct& p : election.precincts()) known.insert(p.id());
  std::set<std::string> counted;
  for (const UnitTotals& u : results.precincts) {
    if (!known.contains(u.id)) {
      return refuse(absl::StrCat("Precinct ", u.id, " is counted but not in the election"));
    }
    if (!counted.insert(u.id).second) {
      return refuse(absl::StrCat("Precinct ", u.id, " would be counted twice"));
    }
  }
  for (const ExcludedProtocol& x : results.excluded) {
    if (counted.contains(x.precinct_id)) {
      return refuse(absl::StrCat("Precinct ", x.precinct_id,
                                 " would be counted while its protocol is ",
                                 ExclusionText(x.exclusion)));
    }
  }
  // The regions partition the precincts: together they are the country, each precinct once.
  std::uint64_t voters = 0;
  std::uint64_t ballots = 0;
  std::map<std::string, std::uint64_t> contest_precincts;
  std::set<std::string> region_ids;
  for (const UnitTotals& region : model.regions) {
    if (!region_ids.insert(region.id).second) {
      return refuse(absl::StrCat("Region ", region.id, " would be added twice"));
    }
    if (absl::Status s = CheckUnitPublishable(region, absl::StrCat("region ", region.id), 0);
        !s.ok()) {
      return s;
    }
    voters += region.voters_on_list;
    ballots += region.ballots_in_boxes;
    for (const ContestTotal& c : region.contests)
      contest_precincts[c.contest_id] += c.precincts_counted;
  }
  if (voters != results.national.voters_on_list || ballots != results.national.ballots_in_boxes) {
    return refuse(absl::StrCat("The regions add up to ", voters, " voters and ", ballots,
                               " ballots but the country has ", results.national.voters_on_list,
                               " and ", results.national.ballots_in_boxes));
  }
  for (const ContestTotal& c : results.national.contests) {
    if (contest_precincts[c.contest_id] != c.precincts_counted) {
      return refuse(absl::StrCat("The regions count ", contest_precincts[c.contest_id],
                                 " precincts of contest ", c.contest_id, " but the country ",
                                 c.precincts_counted));
    }
  }
  for (const UnitTotals& district : model.districts) {
    if (absl::Status s = CheckUnitPublishable(district, absl::StrCat("district ", district.id), 0);
        !s.ok()) {
      return s;
    }
    for (const ContestTotal& c : results.national.contests) {
      if (c.contest_id != district.id) continue;
      for (const ContestTotal& d : district.contests) {
        if (d.contest_id == c.contest_id &&
            (d.precincts_counted != c.precincts_counted || d.valid_ballots != c.valid_ballots)) {
          return refuse(absl::StrCat("District ", district.id,
                                     " does not match its contest's "
                                     "national totals"));
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<fs::path> WriteSite(const Election& election, const SiteModel& model,
                                   const Signer& signer, const SiteOptions& options,
                                   SiteCarryOver* carry) {
  if (absl::Status s = CheckSiteModel(election, model); !s.ok()) return s;
  if (!options.text) return absl::InvalidArgumentError("the site needs its text catalogs");
  std::error_code ec;
  fs::create_directories(options.root, ec);
  if (ec) {
    return absl::PermissionDeniedError(absl::StrCat("cannot create the site directory ",
                                                    options.root.string(), ": ", ec.message()));
  }
  // The next generation's number: one above the highest present.
  std::uint64_t next = 1;
  std::vector<std::pair<std::uint64_t, fs::path>> generations;
  for (const fs::directory_entry& e : fs::directory_iterator(options.root, ec)) {
    const std::string name = e.path().filename().string();
    std::uint64_t n = 0;
    if (name.starts_with(kGenerationPrefix) &&
        absl::SimpleAtoi(name.substr(sizeof(kGenerationPrefix) - 1), &n)) {
      generations.emplace_back(n, e.path());
      next = std::max(next, n + 1);
    }
  }
  char name[32];
  std::snprintf(name, sizeof(name), "%s%06llu", kGenerationPrefix,
                static_cast<unsigned long long>(next));
  GenerationWriter out{options.root / name, {}};
  fs::remove_all(out.dir, ec);
  auto fail = [&](absl::Status s) {
    std::error_code ignored;
    fs::remove_all(out.dir, ignored);
    return s;
  };

  const SiteIndex index(election, model);
  // The precinct's files are those of the generation written before, where it has one and no
  // protocol was stored for the precinct since.
  auto unchanged = [&](const std::string& precinct_id) {
    return carry != nullptr && !carry->generation.empty() && carry->generation != out.dir &&
           !carry->changed_precincts.contains(precinct_id);
  };
  for (SiteLanguage language : text::kAllLanguages) {
    const std::string lang(text::LanguageCode(language));
    auto write_page = [&](const std::string& file, auto render) -> absl::Status {
      Page page(options.text, language);
      std::string html = render(page);
      if (!page.status().ok()) return page.status();
      return out.Write(absl::StrCat(lang, "/", file), html);
    };
    if (absl::Status s =
            write_page("index.html", [&](Page& page) { return CountryPage(index, page); });
        !s.ok()) {
      return fail(s);
    }
    if (absl::Status s =
            write_page("missing.html", [&](Page& page) { return MissingPage(index, page); });
        !s.ok()) {
      return fail(s);
    }
    for (const UnitTotals& region : model.regions) {
      if (absl::Status s = write_page(RegionHref(region.id),
                                      [&](Page& page) { return RegionPage(index, region, page); });
          !s.ok()) {
        return fail(s);
      }
    }
    for (const UnitTotals& district : model.districts) {
      if (absl::Status s =
              write_page(DistrictHref(district.id),
                         [&](Page& page) { return DistrictPage(index, district, page); });
          !s.ok()) {
        return fail(s);
      }
    }
    for (const Precinct& precinct : election.precincts()) {
      const std::string file = PrecinctHref(precinct.id());
      if (unchanged(precinct.id()) && out.Link(*carry, absl::StrCat(lang, "/", file))) continue;
      if (absl::Status s =
              write_page(file, [&](Page& page) { return PrecinctPage(index, precinct, page); });
          !s.ok()) {
        return fail(s);
      }
    }
  }
  if (absl::Status s =
          out.Write("index.html",
                    "<!doctype html><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" "
                    "content=\"0; url=ky/index.html\"><a href=\"ky/index.html\">ky</a> "
                    "<a href=\"ru/index.html\">ru</a> <a href=\"en/index.html\">en</a>\n");
      !s.ok()) {
    return fail(s);
  }
  if (absl::Status s = out.Write("style.css", Css()); !s.ok()) return fail(s);
  absl::StatusOr<std::string> json = FormatResultsJson(model.results);
  if (!json.ok()) return fail(json.status());
  if (absl::Status s = out.Write("results.json", *json); !s.ok()) return fail(s);
  for (const Precinct& precinct : election.precincts()) {
    const std::string file = absl::StrCat("data/", precinct.id(), ".json");
    if (unchanged(precinct.id()) && out.Link(*carry, file)) continue;
    if (absl::Status s = out.Write(file, PrecinctJson(index, precinct)); !s.ok()) return fail(s);
  }
  for (const auto& [id, revisions] : model.history) {
    for (const StoredProtocol& p : revisions) {
      const std::string file = ProtocolFile(id, p.revision);
      if (unchanged(id) && out.Link(*carry, file)) continue;
      if (absl::Status s = out.Write(file, p.signed_protocol); !s.ok()) return fail(s);
    }
  }
  nlohmann::ordered_json keys = nlohmann::ordered_json::object();
  for (const auto& [precinct, hex] : model.reader_keys) keys[precinct] = hex;
  if (absl::Status s = out.Write("keys.json", keys.dump(1) + "\n"); !s.ok()) return fail(s);
  nlohmann::ordered_json verifier_text;
  for (SiteLanguage language : text::kAllLanguages) {
    nlohmann::ordered_json strings = nlohmann::ordered_json::object();
    for (const char* msgid : kVerifierMsgids) strings[msgid] = options.text(language, msgid);
    verifier_text[std::string(text::LanguageCode(language))] = strings;
  }
  // The names the verifier shows beside the signed numbers, in every language.
  auto trilingual = [](const Trilingual& t) {
    return nlohmann::ordered_json{{"ky", t.ky}, {"ru", t.ru}, {"en", t.en}};
  };
  auto localized = [](const LocalizedText& t) {
    return nlohmann::ordered_json{{"ky", std::string(LanguageField(t, SiteLanguage::kKyrgyz))},
                                  {"ru", std::string(LanguageField(t, SiteLanguage::kRussian))},
                                  {"en", std::string(LanguageField(t, SiteLanguage::kEnglish))}};
  };
  nlohmann::ordered_json lines = nlohmann::ordered_json::object();
  for (const ProtocolLine& line : GeneralProtocolLines(PrecinctProtocol())) {
    lines[line.code] = trilingual(line.name);
  }
  for (const ProtocolLine& line : ContestProtocolLines(ContestResult())) {
    lines[line.code] = trilingual(line.name);
  }
  nlohmann::ordered_json option_names = nlohmann::ordered_json::object();
  for (const Contest& contest : election.contests()) {
    for (const Option& option : contest.options()) {
      option_names[absl::StrCat(contest.id(), "/", option.id())] = localized(option.name());
    }
  }
  verifier_text["names"] = {{"lines", lines}, {"options", option_names}};
  if (absl::Status s = out.Write("verify/text.json", verifier_text.dump(1) + "\n"); !s.ok()) {
    return fail(s);
  }
  if (!options.verifier_assets.empty()) {
    for (const fs::directory_entry& e :
         fs::recursive_directory_iterator(options.verifier_assets, ec)) {
      if (!e.is_regular_file()) continue;
      const std::string relative = fs::relative(e.path(), options.verifier_assets).string();
      if (relative.starts_with("node_modules") || relative == "package.json" ||
          relative == "package-lock.json" || relative == "README.md" || relative == "build.mjs" ||
          relative.starts_with("src/")) {
        continue;
      }
      absl::StatusOr<std::string> bytes = ReadWhole(e.path());
      if (!bytes.ok()) return fail(bytes.status());
      if (absl::Status s = out.Write(absl::StrCat("verify/", relative), *bytes); !s.ok()) {
        return fail(s);
      }
    }
    if (ec) {
      return fail(
          absl::NotFoundError(absl::StrCat("cannot read the verifier's files in ",
                                           options.verifier_assets.string(), ": ", ec.message())));
    }
  }
  if (absl::Status s = out.Write(kCentreKeyFile, Hex(signer.public_key()) + "\n"); !s.ok()) {
    return fail(s);
  }
  std::string manifest;
  for (const auto& [path, sha] : out.manifest) absl::StrAppend(&manifest, sha, "  ", path, "\n");
  absl::StatusOr<std::string> signature = signer.Sign(SigningDomain::kSiteManifest, manifest);
  if (!signature.ok()) return fail(signature.status());
  if (absl::Status s = out.Write(kManifestFile, manifest); !s.ok()) return fail(s);
  if (absl::Status s = out.Write(kManifestSignatureFile, Hex(*signature) + "\n"); !s.ok()) {
    return fail(s);
  }

  // The switch: a symlink made beside `current`, renamed over it (atomic on POSIX).
  const fs::path link = options.root / kCurrent;
  const fs::path staged = options.root / "current.new";
  fs::remove(staged, ec);
  fs::create_directory_symlink(name, staged, ec);
  if (!ec) fs::rename(staged, link, ec);
  if (ec) {
    return fail(absl::PermissionDeniedError(
        absl::StrCat("cannot point ", link.string(), " at the new generation: ", ec.message())));
  }
  std::sort(generations.begin(), generations.end());
  const int keep_old = std::max(0, options.keep_generations - 1);
  for (int i = 0; i + keep_old < static_cast<int>(generations.size()); ++i) {
    fs::remove_all(generations[i].second, ec);
  }
  if (carry != nullptr) {
    carry->generation = out.dir;
    carry->manifest = std::move(out.manifest);
    carry->changed_precincts.clear();
  }
  return out.dir;
}

absl::StatusOr<fs::path> PublishSite(const Election& election, TabulationStore& store,
                                     const Signer& signer, const SiteOptions& options) {
  absl::StatusOr<SiteModel> model =
      BuildSiteModel(election, store, absl::ToUnixSeconds(absl::Now()));
  if (!model.ok()) return model.status();
  return WriteSite(election, *model, signer, options);
}

SitePublisher::SitePublisher(const Election& election, TabulationStore* store, const Signer* signer,
                             SiteOptions options, Log log)
    : election_(election),
      store_(store),
      signer_(signer),
      options_(std::move(options)),
      log_(std::move(log)),
      thread_([this] { Loop(); }) {}

SitePublisher::~SitePublisher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void SitePublisher::Notify() {
  {
    std::lock_guard lock(mutex_);
    pending_ = true;
  }
  changed_.notify_all();
}

absl::Status SitePublisher::PublishNow() {
  std::lock_guard publishing(publish_mutex_);
  if (aggregator_ == nullptr) aggregator_ = std::make_unique<ResultsAggregator>(election_);
  absl::StatusOr<fs::path> generation = [&]() -> absl::StatusOr<fs::path> {
    absl::StatusOr<SiteModel> model =
        BuildSiteModel(election_, *store_, absl::ToUnixSeconds(absl::Now()), *aggregator_,
                       counted_through_, &carry_.changed_precincts);
    if (!model.ok()) return model.status();
    return WriteSite(election_, *model, *signer_, options_, &carry_);
  }();
  {
    std::lock_guard lock(mutex_);
    ++publications_;
  }
  if (generation.ok()) return absl::OkStatus();
  const std::string why(generation.status().message());
  if (log_) log_(absl::StrCat("ALARM ", kSiteNotPublishedAlarm, ": ", why));
  Alarm alarm;
  alarm.code = kSiteNotPublishedAlarm;
  alarm.reason = why;
  if (absl::Status recorded = store_->RecordAlarm(std::move(alarm)); !recorded.ok() && log_) {
    log_(absl::StrCat("the alarm could not be recorded: ", recorded.message()));
  }
  return generation.status();
}

void SitePublisher::WaitIdle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return (!pending_ && !busy_) || stopping_; });
}

std::uint64_t SitePublisher::publications() const {
  std::lock_guard lock(mutex_);
  return publications_;
}

void SitePublisher::Loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return pending_ || stopping_; });
    if (stopping_) return;
    pending_ = false;
    busy_ = true;
    lock.unlock();
    (void)PublishNow();
    lock.lock();
    busy_ = false;
    changed_.notify_all();
  }
}

absl::StatusOr<std::map<std::string, std::string>> ParseSiteManifest(std::string_view manifest) {
  std::map<std::string, std::string> files;
  std::size_t begin = 0;
  int number = 0;
  while (begin < manifest.size()) {
    const std::size_t end = std::min(manifest.find('\n', begin), manifest.size());
    const std::string line(manifest.substr(begin, end - begin));
    begin = end + 1;
    ++number;
    const bool hex = line.size() > 66 && std::all_of(line.begin(), line.begin() + 64, [](char c) {
                       return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                     });
    if (!hex || line.compare(64, 2, "  ") != 0) {
      return absl::DataLossError(
          absl::StrCat("MANIFEST.txt line ", number, " is not \"SHA256  PATH\""));
    }
    const std::string path = line.substr(66);
    const fs::path p(path);
    if (p.is_absolute() || std::any_of(p.begin(), p.end(), [](const fs::path& part) {
          return part == ".." || part == ".";
        })) {
      return absl::DataLossError(
          absl::StrCat("MANIFEST.txt line ", number, " names a path outside the site: ", path));
    }
    if (!files.emplace(path, line.substr(0, 64)).second) {
      return absl::DataLossError(absl::StrCat("MANIFEST.txt lists ", path, " twice"));
    }
  }
  return files;
}

absl::Status VerifySiteGeneration(const fs::path& generation, std::string_view public_key) {
  absl::StatusOr<std::string> manifest = ReadWhole(generation / kManifestFile);
  if (!manifest.ok()) return manifest.status();
  absl::StatusOr<std::string> signature_hex = ReadWhole(generation / kManifestSignatureFile);
  if (!signature_hex.ok()) return signature_hex.status();
  const std::string hex(absl::StripAsciiWhitespace(*signature_hex));
  if (hex.size() % 2 != 0 ||
      !std::all_of(hex.begin(), hex.end(), [](char c) { return absl::ascii_isxdigit(c); })) {
    return absl::DataLossError("MANIFEST.sig is not hexadecimal");
  }
  const std::string signature = absl::HexStringToBytes(hex);
  if (absl::Status s =
          VerifySignature(SigningDomain::kSiteManifest, *manifest, signature, public_key);
      !s.ok()) {
    return absl::DataLossError(
        absl::StrCat("the manifest's signature is not the centre's: ", s.message()));
  }
  absl::StatusOr<std::map<std::string, std::string>> files = ParseSiteManifest(*manifest);
  if (!files.ok()) return files.status();
  std::set<std::string> listed;
  for (const auto& [path, sha] : *files) {
    absl::StatusOr<std::string> bytes = ReadWhole(generation / path);
    if (!bytes.ok()) return bytes.status();
    if (ToHex(Sha256(*bytes)) != sha) {
      return absl::DataLossError(absl::StrCat(path, " does not match its SHA-256 in the manifest"));
    }
    listed.insert(path);
  }
  std::error_code ec;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(generation, ec)) {
    if (!e.is_regular_file()) continue;
    const std::string relative = fs::relative(e.path(), generation).string();
    if (relative == kManifestFile || relative == kManifestSignatureFile) continue;
    if (!listed.contains(relative)) {
      return absl::DataLossError(absl::StrCat(relative, " is not in the manifest"));
    }
  }
  return absl::OkStatus();
}

}  // namespace esep::transport
