#include "esep/report/protocol_sheet.h"

#include <cairo-pdf.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "esep/proto/election.h"
#include "esep/proto/protocol_checks.h"
#include "esep/proto/protocol_text.h"
#include "esep/proto/software_identity.h"
#include "esep/render/page_drawing.h"
#include "esep/render/render.h"
#include "esep/report/number_words.h"
#include "esep/scanner/precinct.h"
#include "esep/text/catalog.h"
#include "esep/transport/qr_protocol.h"
#include "esep/transport/signing.h"

namespace esep::report {
namespace {

using render::Align;
using render::TextLine;
using render::TextSetter;

constexpr double kPageWidthMm = 210, kPageHeightMm = 297;
constexpr double kMarginMm = 15, kTopMm = 12, kBottomMm = 16;
constexpr double kBodyMm = 2.6;   // body text, about 7.4 pt
constexpr double kSmallMm = 2.2;  // hashes and notes
constexpr double kQrBoxMm = 86;   // each code's square, two side by side

// The catalogs of the domain esep, loaded once, for the reports' headings.
const absl::StatusOr<text::Catalog>& ReportCatalog() {
  static const absl::StatusOr<text::Catalog>* const catalog =
      new absl::StatusOr<text::Catalog>(text::Catalog::Load("esep"));
  return *catalog;
}

// A heading in Kyrgyz and Russian from the catalogs, and in English (its msgid). Report entry
// points check ReportCatalog() first.
class Said {
 public:
  explicit Said(std::string_view msgid)
      : ky_(ReportCatalog()->Get(text::Language::kKyrgyz, msgid)),
        ru_(ReportCatalog()->Get(text::Language::kRussian, msgid)),
        en_(msgid) {}
  operator Trilingual() const { return {ky_.c_str(), ru_.c_str(), en_.c_str()}; }  // NOLINT
  std::string Joined() const { return JoinTrilingual(*this); }

 private:
  std::string ky_, ru_, en_;
};

// Where the pages go: nowhere (the first pass counts them), raster pages, or one PDF.
class PageSink {
 public:
  virtual ~PageSink() = default;
  // Starts a page and returns its context; drawing units are pixels at the sheet's dpi.
  virtual absl::StatusOr<cairo_t*> NewPage() = 0;
  virtual absl::Status Finish() = 0;
};

class CountingSink : public PageSink {
 public:
  absl::StatusOr<cairo_t*> NewPage() override {
    cr_.reset();
    surface_.reset(cairo_recording_surface_create(CAIRO_CONTENT_ALPHA, nullptr));
    cr_.reset(cairo_create(surface_.get()));
    return cr_.get();
  }
  absl::Status Finish() override { return absl::OkStatus(); }

 private:
  render::SurfacePtr surface_;
  render::CairoPtr cr_;
};

class RasterSink : public PageSink {
 public:
  explicit RasterSink(int dpi) : dpi_(dpi) {}
  absl::StatusOr<cairo_t*> NewPage() override {
    absl::StatusOr<render::Raster> raster = render::NewRaster(kPageWidthMm, kPageHeightMm, dpi_);
    if (!raster.ok()) return raster.status();
    pages_.push_back(*std::move(raster));
    return pages_.back().cr.get();
  }
  absl::Status Finish() override { return absl::OkStatus(); }
  std::vector<cv::Mat> Pages() {
    std::vector<cv::Mat> out;
    for (render::Raster& r : pages_) out.push_back(render::ToPage(r));
    return out;
  }

 private:
  int dpi_;
  std::vector<render::Raster> pages_;
};

class PdfSink : public PageSink {
 public:
  PdfSink(int dpi, const std::string& title, const std::string& date) : dpi_(dpi) {
    constexpr double kPointsPerMm = 72.0 / 25.4;
    surface_.reset(cairo_pdf_surface_create_for_stream(render::AppendToString, &bytes_,
                                                       kPageWidthMm * kPointsPerMm,
                                                       kPageHeightMm * kPointsPerMm));
    cairo_pdf_surface_set_metadata(surface_.get(), CAIRO_PDF_METADATA_TITLE, title.c_str());
    // The protocol's own time instead of the clock, so that the same protocol gives the same file.
    cairo_pdf_surface_set_metadata(surface_.get(), CAIRO_PDF_METADATA_CREATE_DATE, date.c_str());
    cairo_pdf_surface_set_metadata(surface_.get(), CAIRO_PDF_METADATA_MOD_DATE, date.c_str());
  }
  absl::StatusOr<cairo_t*> NewPage() override {
    if (cairo_surface_status(surface_.get()) != CAIRO_STATUS_SUCCESS) {
      return absl::InternalError("cannot create a PDF surface");
    }
    if (cr_ == nullptr) {
      cr_.reset(cairo_create(surface_.get()));
      cairo_scale(cr_.get(), 72.0 / dpi_, 72.0 / dpi_);
    } else {
      cairo_show_page(cr_.get());
    }
    return cr_.get();
  }
  absl::Status Finish() override {
    if (cr_ != nullptr) cairo_show_page(cr_.get());
    cr_.reset();
    cairo_surface_finish(surface_.get());
    if (cairo_surface_status(surface_.get()) != CAIRO_STATUS_SUCCESS) {
      return absl::InternalError(
          absl::StrCat("writing the PDF failed: ",
                       cairo_status_to_string(cairo_surface_status(surface_.get()))));
    }
    return absl::OkStatus();
  }
  const std::string& bytes() const { return bytes_; }

 private:
  int dpi_;
  std::string bytes_;
  render::SurfacePtr surface_;
  render::CairoPtr cr_;
};

// One cell of a table row: its text and where it sits (mm from the left margin).
struct Cell {
  std::string text;
  double x_mm;
  double width_mm;
  Align align = Align::kLeft;
  bool bold = false;
  bool mono = false;
};

// Lays blocks out from the top of the page down and starts a new page when the next block does
// not fit; every page gets a footer naming the protocol and "page i / n".
class Flow {
 public:
  Flow(PageSink& sink, int dpi, std::string footer, int total_pages)
      : sink_(sink), k_(dpi / 25.4), footer_(std::move(footer)), total_pages_(total_pages) {}

  int pages() const { return pages_; }
  double k() const { return k_; }
  double width_mm() const { return kPageWidthMm - 2 * kMarginMm; }
  cairo_t* cr() const { return cr_; }

  // Text drawn large, light and across every page from the next page on (a draft's mark).
  void SetWatermark(std::string text) { watermark_ = std::move(text); }

  absl::Status NewPage() {
    absl::StatusOr<cairo_t*> cr = sink_.NewPage();
    if (!cr.ok()) return cr.status();
    cr_ = *cr;
    ++pages_;
    if (!watermark_.empty()) DrawWatermark();
    cairo_set_source_rgb(cr_, 0, 0, 0);
    absl::StatusOr<TextSetter> text = TextSetter::Create(cr_);
    if (!text.ok()) return text.status();
    text_ = std::make_unique<TextSetter>(*std::move(text));
    y_mm_ = kTopMm;
    const std::string page =
        total_pages_ > 0 ? absl::StrCat(pages_, " / ", total_pages_) : absl::StrCat(pages_);
    absl::StatusOr<double> h = text_->DrawParagraph(
        {absl::StrCat(footer_, "   ·   бет / страница / page ", page), false, 1.0}, kMarginMm * k_,
        (kPageHeightMm - kBottomMm + 4) * k_, width_mm() * k_, kSmallMm * k_, Align::kCentre);
    return h.status();
  }

  // Starts a new page when `height_mm` does not fit under the cursor.
  absl::Status NeedRoom(double height_mm) {
    if (cr_ == nullptr || y_mm_ + height_mm > kPageHeightMm - kBottomMm) return NewPage();
    return absl::OkStatus();
  }

  absl::Status Paragraph(const TextLine& line, double size_mm, Align align = Align::kLeft,
                         double gap_after_mm = 1.0) {
    if (cr_ == nullptr) {
      if (absl::Status s = NewPage(); !s.ok()) return s;
    }
    absl::StatusOr<double> h = text_->MeasureParagraph(line, width_mm() * k_, size_mm * k_);
    if (!h.ok()) return h.status();
    if (absl::Status s = NeedRoom(*h / k_); !s.ok()) return s;
    h = text_->DrawParagraph(line, kMarginMm * k_, y_mm_ * k_, width_mm() * k_, size_mm * k_,
                             align);
    if (!h.ok()) return h.status();
    y_mm_ += *h / k_ + gap_after_mm;
    return absl::OkStatus();
  }

  absl::Status Row(const std::vector<Cell>& cells, double size_mm, bool rule = true) {
    if (cr_ == nullptr) {
      if (absl::Status s = NewPage(); !s.ok()) return s;
    }
    double height = 0;
    for (const Cell& c : cells) {
      absl::StatusOr<double> h =
          text_->MeasureParagraph({c.text, c.bold, 1.0, c.mono}, c.width_mm * k_, size_mm * k_);
      if (!h.ok()) return h.status();
      height = std::max(height, *h / k_);
    }
    constexpr double kPadMm = 0.6;
    if (absl::Status s = NeedRoom(height + 2 * kPadMm); !s.ok()) return s;
    for (const Cell& c : cells) {
      absl::StatusOr<double> h =
          text_->DrawParagraph({c.text, c.bold, 1.0, c.mono}, (kMarginMm + c.x_mm) * k_,
                               (y_mm_ + kPadMm) * k_, c.width_mm * k_, size_mm * k_, c.align);
      if (!h.ok()) return h.status();
    }
    y_mm_ += height + 2 * kPadMm;
    if (rule) Rule(0.1);
    return absl::OkStatus();
  }

  void Rule(double line_mm) {
    cairo_set_line_width(cr_, line_mm * k_);
    cairo_move_to(cr_, kMarginMm * k_, y_mm_ * k_);
    cairo_line_to(cr_, (kPageWidthMm - kMarginMm) * k_, y_mm_ * k_);
    cairo_stroke(cr_);
  }

  void Space(double mm) { y_mm_ += mm; }
  double y_mm() const { return y_mm_; }
  TextSetter& text() { return *text_; }

 private:
  void DrawWatermark() {
    cairo_save(cr_);
    cairo_set_source_rgb(cr_, 0.82, 0.82, 0.82);
    cairo_select_font_face(cr_, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr_, 12 * k_);
    cairo_translate(cr_, kPageWidthMm / 2 * k_, kPageHeightMm / 2 * k_);
    cairo_rotate(cr_, -0.95);
    cairo_text_extents_t extents;
    cairo_text_extents(cr_, watermark_.c_str(), &extents);
    cairo_move_to(cr_, -extents.width / 2 - extents.x_bearing,
                  -extents.height / 2 - extents.y_bearing);
    cairo_show_text(cr_, watermark_.c_str());
    cairo_restore(cr_);
  }

  std::string watermark_;
  PageSink& sink_;
  double k_;
  std::string footer_;
  int total_pages_;
  int pages_ = 0;
  cairo_t* cr_ = nullptr;
  std::unique_ptr<TextSetter> text_;
  double y_mm_ = kTopMm;
};

// A line's number: the figure, and under the line's name the number in Kyrgyz and Russian words.
struct Number {
  explicit Number(std::uint64_t v) : value(v) {}
  std::uint64_t value;
};

absl::Status Heading(Flow& flow, const Trilingual& t) {
  flow.Space(2);
  if (absl::Status s = flow.NeedRoom(14); !s.ok()) return s;
  return flow.Paragraph({JoinTrilingual(t), true, 1.0}, kBodyMm * 1.15, Align::kLeft, 1.0);
}

// The lines table: code, name in three languages, number.
absl::Status LineRow(Flow& flow, const std::string& code, const std::string& name,
                     const Number& number, bool bold = false) {
  return flow.Row({{code, 0, 12, Align::kLeft, true},
                   {absl::StrCat(name, "\n(", KyrgyzNumberWords(number.value), " / ",
                                 RussianNumberWords(number.value), ")"),
                    13, flow.width_mm() - 13 - 32, Align::kLeft, bold},
                   {absl::StrCat(number.value), flow.width_mm() - 30, 30, Align::kRight, true}},
                  kBodyMm);
}

// Title, election and precinct; the protocol's revision, status and times unless `zero_report`
// (which has only the time the polls opened).
absl::Status DrawHeader(Flow& flow, const Election& election, const PrecinctProtocol& p,
                        const Trilingual& title, bool zero_report = false, bool draft = false,
                        std::int64_t printed_unix_seconds = 0) {
  if (absl::Status s = flow.Paragraph({title.ky, true, 1.0}, 4.0, Align::kCentre, 0.5); !s.ok()) {
    return s;
  }
  if (absl::Status s = flow.Paragraph({title.ru, true, 1.0}, 3.6, Align::kCentre, 0.5); !s.ok()) {
    return s;
  }
  if (absl::Status s = flow.Paragraph({title.en, false, 1.0}, 3.0, Align::kCentre, 2); !s.ok()) {
    return s;
  }
  if (absl::Status s =
          flow.Paragraph({absl::StrCat(election.title().ky(), "\n", election.title().ru(), "   (",
                                       election.date(), ")"),
                          true, 1.0},
                         kBodyMm * 1.1, Align::kCentre, 2);
      !s.ok()) {
    return s;
  }
  const Precinct* precinct = FindPrecinct(election, p.precinct_id());
  const std::string precinct_name =
      precinct == nullptr ? p.precinct_id()
                          : absl::StrCat(p.precinct_id(), " — ", precinct->name().ky(), " / ",
                                         precinct->name().ru());
  const Trilingual status = ProtocolStatusName(p.status());
  std::vector<std::pair<Trilingual, std::string>> info = {
      {{"Участок", "Участок", "Precinct"}, precinct_name},
      {{"Окугуч", "Сканер", "Reader"}, p.reader_serial()},
  };
  // On a day with several ballots per voter each kind has its own protocol: the sheet says which.
  if (!p.ballot_kind().empty()) {
    const BallotKind* kind = FindBallotKind(election, p.ballot_kind());
    info.push_back({{"Бюллетендин түрү", "Вид бюллетеня", "Ballot kind"},
                    kind == nullptr ? p.ballot_kind()
                                    : absl::StrCat(kind->name().ky(), " / ", kind->name().ru(),
                                                   " [", p.ballot_kind(), "]")});
  }
  if (!zero_report) {
    info.push_back({{"Редакция, абалы", "Редакция, статус", "Revision, status"},
                    draft ? absl::StrCat(p.revision(),
                                         ", ДОЛБООР / ПРОЕКТ / DRAFT — акыркы эмес / не "
                                         "окончательный / not final")
                          : absl::StrCat(p.revision(), ", ", JoinTrilingual(status))});
  }
  if (printed_unix_seconds != 0) {
    info.push_back({{"Басылды", "Напечатано", "Printed"}, ProtocolTimeText(printed_unix_seconds)});
  } else {
    info.push_back({{"Шайлоо ачылды", "Голосование открыто", "Polls opened"},
                    ProtocolTimeText(p.polls_opened_unix_seconds())});
  }
  if (!zero_report) {
    info.push_back({{"Шайлоо жабылды", "Голосование закрыто", "Polls closed"},
                    ProtocolTimeText(p.polls_closed_unix_seconds())});
    info.push_back({{"Протокол түзүлдү", "Протокол составлен", "Protocol made"},
                    ProtocolTimeText(p.created_unix_seconds())});
  }
  for (const auto& [label, value] : info) {
    if (absl::Status s = flow.Row(
            {{JoinTrilingual(label), 0, 95}, {value, 96, flow.width_mm() - 96, Align::kLeft, true}},
            kBodyMm, false);
        !s.ok()) {
      return s;
    }
  }
  flow.Space(1);
  return absl::OkStatus();
}

absl::Status DrawSignatureBox(Flow& flow) {
  const std::vector<Trilingual> roles = {
      {"Төрага", "Председатель", "Chair"}, {"Төраганын орун басары", "Заместитель", "Deputy"},
      {"Катчы", "Секретарь", "Secretary"}, {"Мүчө", "Член комиссии", "Member"},
      {"Мүчө", "Член комиссии", "Member"}, {"Мүчө", "Член комиссии", "Member"},
      {"Мүчө", "Член комиссии", "Member"},
  };
  constexpr double kRowMm = 9;
  if (absl::Status s = flow.NeedRoom(14 + kRowMm * (roles.size() + 2)); !s.ok()) return s;
  if (absl::Status s = Heading(flow, Said(N_("Signatures of the commission"))); !s.ok()) {
    return s;
  }
  const double k = flow.k();
  cairo_t* cr = flow.cr();
  const double top = flow.y_mm();
  for (const Trilingual& role : roles) {
    if (absl::Status s = flow.Row({{JoinTrilingual(role), 0, 70},
                                   {"(аты-жөнү / Ф.И.О. / name)", 72, 60},
                                   {"(колу / подпись / signature)", 134, 46}},
                                  kSmallMm, false);
        !s.ok()) {
      return s;
    }
    flow.Space(kRowMm - 3.8);
    cairo_set_line_width(cr, 0.2 * k);
    for (const auto& [from, to] : {std::pair{72.0, 130.0}, std::pair{134.0, 180.0}}) {
      cairo_move_to(cr, (kMarginMm + from) * k, flow.y_mm() * k);
      cairo_line_to(cr, (kMarginMm + to) * k, flow.y_mm() * k);
    }
    cairo_stroke(cr);
  }
  flow.Space(3);
  if (absl::Status s = flow.Paragraph({"М.О. / М.П. / Seal", false, 1.0}, kBodyMm); !s.ok()) {
    return s;
  }
  cairo_set_line_width(cr, 0.3 * k);
  cairo_rectangle(cr, (kMarginMm - 2) * k, (top - 1) * k, (flow.width_mm() + 4) * k,
                  (flow.y_mm() - top + 2) * k);
  cairo_stroke(cr);
  return absl::OkStatus();
}

absl::Status DrawQrCodes(Flow& flow, const SignedProtocol& signed_protocol,
                         const std::string& results_site_url) {
  const std::string verify_url =
      results_site_url.empty()
          ? std::string()
          : absl::StrCat(results_site_url, results_site_url.ends_with('/') ? "" : "/", "verify/");
  absl::StatusOr<std::vector<std::string>> parts =
      transport::SplitIntoQrParts(signed_protocol, transport::kQrPartMaxChars, verify_url);
  if (!parts.ok()) return parts.status();
  const std::string key_id = transport::KeyId(signed_protocol.signer_public_key());
  constexpr double kLabelMm = 7;
  if (absl::Status s = flow.NeedRoom(20 + kQrBoxMm + kLabelMm); !s.ok()) return s;
  if (absl::Status s = Heading(flow, Said(N_("QR codes for observers"))); !s.ok()) {
    return s;
  }
  if (absl::Status s = flow.Paragraph(
          {absl::StrCat(
               "Кол коюлган протокол, ", parts->size(), " бөлүк / Подписанный протокол, частей: ",
               parts->size(), " / The signed protocol in ", parts->size(),
               " part(s). esep verify --key KEY.pub PHOTO.jpg — ачкыч / ключ / key ", key_id),
           false, 1.0},
          kSmallMm);
      !s.ok()) {
    return s;
  }
  const double k = flow.k();
  for (std::size_t i = 0; i < parts->size(); ++i) {
    const bool left = i % 2 == 0;
    if (left) {
      if (absl::Status s = flow.NeedRoom(kQrBoxMm + kLabelMm); !s.ok()) return s;
    }
    const std::string& part = (*parts)[i];
    const std::size_t fragment = verify_url.empty() ? 0 : verify_url.size() + 1;
    absl::StatusOr<render::CodeMatrix> code =
        verify_url.empty()
            ? render::EncodeCode(render::CodeFormat::kQrCode, part, kProtocolQrEccLevel)
            : render::EncodeQrSegments(part.substr(0, fragment), part.substr(fragment),
                                       kProtocolQrEccLevel);
    if (!code.ok()) return code.status();
    const double x_mm = kMarginMm + (left ? 0 : flow.width_mm() - kQrBoxMm);
    const render::Box box{x_mm * k, flow.y_mm() * k, kQrBoxMm * k, kQrBoxMm * k};
    const int module = render::DrawCodeMatrix(flow.cr(), *code, box, 4);
    if (module < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("QR code ", i + 1, " (", code->cols,
                       " modules) does not fit its square at this resolution"));
    }
    // The label right under the code as drawn (codes are centred in their square).
    const double code_bottom = box.y + (box.h + static_cast<double>(code->rows) * module) / 2;
    absl::StatusOr<double> h = flow.text().DrawParagraph(
        {absl::StrCat("QR ", i + 1, " / ", parts->size()), true, 1.0}, x_mm * k,
        code_bottom + 1.0 * k, kQrBoxMm * k, kBodyMm * k, Align::kCentre);
    if (!h.ok()) return h.status();
    if (!left || i + 1 == parts->size()) flow.Space(kQrBoxMm + kLabelMm);
  }
  return absl::OkStatus();
}

// An unsigned protocol is a draft: marked on every page, without QR codes or a signature box,
// so that no commission can sign it.
// What a correction changes from the revision it replaces: each number, before and after.
absl::Status DrawChanges(Flow& flow, const Election& election, const PrecinctProtocol& replaced,
                         const PrecinctProtocol& p) {
  const std::string rev = absl::StrCat(replaced.revision());
  const std::string ky = absl::StrCat(rev, "-редакцияга карата өзгөртүүлөр");
  const std::string ru = absl::StrCat("Изменения по сравнению с редакцией ", rev);
  const std::string en = absl::StrCat("Changes from revision ", rev);
  if (absl::Status s = Heading(flow, {ky.c_str(), ru.c_str(), en.c_str()}); !s.ok()) return s;
  const std::vector<ProtocolChange> changes = ProtocolChanges(election, replaced, p);
  if (changes.empty()) {
    return flow.Paragraph(
        {"Сандар өзгөргөн жок / Числа не изменились / No number changed", false, 1.0}, kBodyMm);
  }
  for (const ProtocolChange& c : changes) {
    if (absl::Status s = flow.Row({{c.code, 0, 12, Align::kLeft, true},
                                   {c.name, 13, flow.width_mm() - 13 - 62},
                                   {absl::StrCat(c.before, "  →  ", c.after), flow.width_mm() - 60,
                                    60, Align::kRight, true}},
                                  kBodyMm);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status DrawProtocol(Flow& flow, const Election& election, const PrecinctProtocol& p,
                          const SignedProtocol* signed_protocol, const PrecinctProtocol* replaced) {
  const bool draft = signed_protocol == nullptr;
  if (draft) {
    flow.SetWatermark("ДОЛБООР · ПРОЕКТ · DRAFT");
    if (absl::Status s = flow.Paragraph(
            {"ДОЛБООР / ПРОЕКТ / DRAFT — кол коюлбайт / не подписывается / not to be signed", true,
             1.0},
            kBodyMm * 1.4, Align::kCentre, 2);
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s =
          DrawHeader(flow, election, p, Said(N_("Precinct results protocol")), false, draft);
      !s.ok()) {
    return s;
  }
  flow.Rule(0.3);
  for (const ProtocolLine& line : GeneralProtocolLines(p)) {
    if (absl::Status s = LineRow(flow, line.code, JoinTrilingual(line.name), Number(line.value));
        !s.ok()) {
      return s;
    }
  }
  for (const ContestResult& r : p.contests()) {
    const Contest* contest = FindContest(election, r.contest_id());
    flow.Space(2);
    if (absl::Status s = flow.NeedRoom(30); !s.ok()) return s;
    if (absl::Status s = flow.Paragraph(
            {absl::StrCat(PrintedContestTitle(contest, r.contest_id()), " [", r.contest_id(),
                          "] — ", r.vote_for(), " талапкер / кандидат(ов) / to elect"),
             true, 1.0},
            kBodyMm * 1.1);
        !s.ok()) {
      return s;
    }
    flow.Rule(0.3);
    for (const ProtocolLine& line : ContestProtocolLines(r)) {
      if (absl::Status s = LineRow(flow, line.code, JoinTrilingual(line.name), Number(line.value));
          !s.ok()) {
        return s;
      }
    }
    for (int i = 0; i < r.options_size(); ++i) {
      if (absl::Status s = LineRow(flow, absl::StrCat("L", 12 + i),
                                   PrintedOptionName(contest, r.options(i).option_id()),
                                   Number(r.options(i).votes()));
          !s.ok()) {
        return s;
      }
    }
  }

  if (replaced != nullptr) {
    if (absl::Status s = DrawChanges(flow, election, *replaced, p); !s.ok()) return s;
  }

  if (absl::Status s = Heading(flow, Said(N_("Control relations"))); !s.ok()) {
    return s;
  }
  for (const ProtocolCheck& c : CheckProtocol(p, election, std::nullopt)) {
    const std::string verdict = c.holds      ? "сакталды / выполнено / holds"
                                : c.blocking ? "БУЗУЛДУ / НАРУШЕНО / BROKEN"
                                             : "ЭСКЕРТҮҮ / ВНИМАНИЕ / WARNING";
    if (absl::Status s = flow.Row({{c.relation, 0, 60, Align::kLeft, true},
                                   {c.detail, 61, 64},
                                   {verdict, 126, flow.width_mm() - 126, Align::kRight, !c.holds}},
                                  kBodyMm);
        !s.ok()) {
      return s;
    }
  }

  if (!p.commission_explanation().empty()) {
    if (absl::Status s = Heading(flow, Said(N_("The commission's written explanation"))); !s.ok()) {
      return s;
    }
    if (absl::Status s = flow.Paragraph({p.commission_explanation(), false, 1.0}, kBodyMm);
        !s.ok()) {
      return s;
    }
  }

  if (absl::Status s = Heading(flow, Said(N_("Integrity data"))); !s.ok()) {
    return s;
  }
  std::vector<std::pair<std::string, std::string>> hashes = {
      {"Шайлоонун хэши / Хэш выборов / Election hash", p.election_hash()},
      {"Бюллетендердин жазууларынын тамыры / Корневой хэш записей / Records root hash",
       p.records_root_hash()},
      {"Окуялар журналы / Журнал событий / Event-log head hash", p.event_log_head_hash()},
  };
  hashes.emplace_back("Кол тамга ачкычы / Ключ подписи / Signing key",
                      signed_protocol == nullptr
                          ? "кол коюлган эмес / не подписан / not signed"
                          : absl::StrCat(transport::KeyId(signed_protocol->signer_public_key()),
                                         p.signing_key().empty() ? "" : ", ", p.signing_key()));
  if (p.has_software()) {
    hashes.emplace_back("Программа / Программа / Software", SoftwareLine(p.software()));
  }
  for (const auto& [label, value] : hashes) {
    if (absl::Status s = flow.Row(
            {{label, 0, 62},
             {value.empty() ? "-" : value, 63, flow.width_mm() - 63, Align::kLeft, false, true}},
            kSmallMm);
        !s.ok()) {
      return s;
    }
  }
  if (draft) {
    flow.Space(2);
    return flow.Paragraph(
        {"Долбоор: кол коюлбайт, QR-коддор жок / Проект: не подписывается, QR-кодов нет / "
         "Draft: not to be signed, no QR codes",
         true, 1.0},
        kBodyMm);
  }
  if (absl::Status s = DrawQrCodes(flow, *signed_protocol, election.results_site_url()); !s.ok())
    return s;
  return DrawSignatureBox(flow);
}

absl::Status CheckDpi(int dpi) {
  if (dpi < render::kMinDpi || dpi > render::kMaxDpi) {
    return absl::InvalidArgumentError(absl::StrCat("resolution must be from ", render::kMinDpi,
                                                   " to ", render::kMaxDpi, " dpi, not ", dpi));
  }
  return absl::OkStatus();
}

using DrawFn = std::function<absl::Status(Flow&)>;

// Draws twice: once to count the pages (for "page i / n"), then for real. Returns the count.
absl::StatusOr<int> DrawPages(PageSink& sink, int dpi, const std::string& footer,
                              const DrawFn& draw) {
  if (absl::Status s = CheckDpi(dpi); !s.ok()) return s;
  CountingSink counter;
  Flow count(counter, dpi, footer, 0);
  if (absl::Status s = draw(count); !s.ok()) return s;
  Flow flow(sink, dpi, footer, count.pages());
  if (absl::Status s = draw(flow); !s.ok()) return s;
  if (absl::Status s = sink.Finish(); !s.ok()) return s;
  return flow.pages();
}

absl::Status WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::StatusOr<WrittenSheet> Write(SheetFormat format, int dpi, const std::string& path,
                                   const std::string& title, std::int64_t unix_seconds,
                                   const std::string& footer, const DrawFn& draw) {
  WrittenSheet written;
  if (format == SheetFormat::kPdf) {
    const std::string date =
        unix_seconds == 0
            ? "2000-01-01T00:00:00"
            : absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(unix_seconds),
                               absl::UTCTimeZone());
    PdfSink sink(dpi, title, date);
    absl::StatusOr<int> pages = DrawPages(sink, dpi, footer, draw);
    if (!pages.ok()) return pages.status();
    if (absl::Status s = WriteFile(path, sink.bytes()); !s.ok()) return s;
    written.files.push_back(path);
    written.pages = *pages;
    return written;
  }
  RasterSink sink(dpi);
  if (absl::StatusOr<int> n = DrawPages(sink, dpi, footer, draw); !n.ok()) return n.status();
  const std::vector<cv::Mat> pages = sink.Pages();
  const std::filesystem::path base(path);
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const std::string file =
        i == 0 ? path
               : (base.parent_path() /
                  absl::StrCat(base.stem().string(), "-", i + 1, base.extension().string()))
                     .string();
    if (absl::Status s = render::WritePng(pages[i], file); !s.ok()) return s;
    written.files.push_back(file);
  }
  written.pages = static_cast<int>(pages.size());
  return written;
}

std::string ProtocolFooter(const PrecinctProtocol& p) {
  return absl::StrCat("Esep · ", p.election_id(), " · участок / precinct ", p.precinct_id(),
                      " · ред. / rev. ", p.revision());
}

}  // namespace

absl::StatusOr<std::vector<cv::Mat>> RenderProtocolPages(const Election& election,
                                                         const PrecinctProtocol& protocol,
                                                         const SignedProtocol* signed_protocol,
                                                         int dpi,
                                                         const PrecinctProtocol* replaced) {
  if (!ReportCatalog().ok()) return ReportCatalog().status();
  RasterSink sink(dpi);
  absl::StatusOr<int> pages = DrawPages(sink, dpi, ProtocolFooter(protocol), [&](Flow& flow) {
    return DrawProtocol(flow, election, protocol, signed_protocol, replaced);
  });
  if (!pages.ok()) return pages.status();
  return sink.Pages();
}

absl::StatusOr<WrittenSheet> RenderProtocolSheet(const Election& election,
                                                 const PrecinctProtocol& protocol,
                                                 const SignedProtocol* signed_protocol,
                                                 SheetFormat format, int dpi,
                                                 const std::string& path,
                                                 const PrecinctProtocol* replaced) {
  if (!ReportCatalog().ok()) return ReportCatalog().status();
  return Write(
      format, dpi, path,
      absl::StrCat("Протокол / Protocol ", protocol.election_id(), " ", protocol.precinct_id()),
      protocol.created_unix_seconds(), ProtocolFooter(protocol), [&](Flow& flow) {
        return DrawProtocol(flow, election, protocol, signed_protocol, replaced);
      });
}

absl::StatusOr<WrittenSheet> RenderZeroReportSheet(const Election& election,
                                                   const PrecinctProtocol& counters,
                                                   SheetFormat format, int dpi,
                                                   const std::string& path,
                                                   std::int64_t copy_printed_unix_seconds) {
  if (!ReportCatalog().ok()) return ReportCatalog().status();
  const auto draw = [&](Flow& flow) -> absl::Status {
    if (absl::Status s = DrawHeader(flow, election, counters, Said(N_("Zero report")), true);
        !s.ok()) {
      return s;
    }
    if (copy_printed_unix_seconds != 0) {
      flow.Space(1);
      if (absl::Status s = flow.Paragraph(
              {absl::StrCat("КӨЧҮРМӨ / КОПИЯ / COPY: ", ProtocolTimeText(copy_printed_unix_seconds),
                            " басылды / напечатана / printed"),
               true, 1.0},
              kBodyMm * 1.1, Align::kCentre);
          !s.ok()) {
        return s;
      }
    }
    flow.Rule(0.3);
    bool all_zero = counters.ballots_in_stationary_box() == 0;
    if (absl::Status s = LineRow(
            flow, "L6",
            JoinTrilingual({"Окугуч эсептеген бюллетендер", "Бюллетени, подсчитанные сканером",
                            "Ballots counted by the reader"}),
            Number(counters.ballots_in_stationary_box()));
        !s.ok()) {
      return s;
    }
    for (const ContestResult& r : counters.contests()) {
      const Contest* contest = FindContest(election, r.contest_id());
      flow.Space(2);
      if (absl::Status s =
              flow.Paragraph({absl::StrCat(PrintedContestTitle(contest, r.contest_id()), " [",
                                           r.contest_id(), "]"),
                              true, 1.0},
                             kBodyMm * 1.1);
          !s.ok()) {
        return s;
      }
      for (int i = 0; i < r.options_size(); ++i) {
        all_zero &= r.options(i).votes() == 0;
        if (absl::Status s = LineRow(flow, absl::StrCat("L", 12 + i),
                                     PrintedOptionName(contest, r.options(i).option_id()),
                                     Number(r.options(i).votes()));
            !s.ok()) {
          return s;
        }
      }
    }
    flow.Space(3);
    if (absl::Status s = flow.Paragraph(
            {all_zero ? "Бардык эсептегичтер нөлгө барабар / Все счётчики равны нулю / Every "
                        "counter is zero"
                      : "ЭСЕПТЕГИЧТЕР НӨЛ ЭМЕС / СЧЁТЧИКИ НЕ РАВНЫ НУЛЮ / COUNTERS ARE NOT ZERO: "
                        "do not open the polls",
             true, 1.0},
            kBodyMm * 1.3, Align::kCentre, 3);
        !s.ok()) {
      return s;
    }
    return DrawSignatureBox(flow);
  };
  return Write(format, dpi, path,
               absl::StrCat("Нулевой отчёт / Zero report ", counters.precinct_id()),
               counters.polls_opened_unix_seconds(),
               absl::StrCat("Esep · ", counters.election_id(), " · участок / precinct ",
                            counters.precinct_id(), " · нулевой отчёт / zero report"),
               draw);
}

absl::StatusOr<WrittenSheet> RenderLogicAndAccuracySheet(const Election& election,
                                                         const LogicAndAccuracyReport& report,
                                                         SheetFormat format, int dpi,
                                                         const std::string& path) {
  if (!ReportCatalog().ok()) return ReportCatalog().status();
  const auto draw = [&](Flow& flow) -> absl::Status {
    PrecinctProtocol header;
    header.set_precinct_id(report.precinct_id());
    header.set_reader_serial(report.reader_serial());
    if (absl::Status s =
            DrawHeader(flow, election, header, Said(N_("Logic-and-accuracy test report")), true,
                       false, report.printed_unix_seconds());
        !s.ok()) {
      return s;
    }
    if (absl::Status s = flow.Paragraph(
            {Said(N_("Test ballots only: not part of the results")).Joined(), true, 1.0}, kBodyMm,
            Align::kCentre, 2);
        !s.ok()) {
      return s;
    }
    flow.Rule(0.3);
    if (absl::Status s = LineRow(flow, "", Said(N_("Test ballots read by the reader")).Joined(),
                                 Number(static_cast<std::uint64_t>(report.test_ballots_cast())));
        !s.ok()) {
      return s;
    }
    const Said expected_label(N_("Expected"));
    const Said found_label(N_("Found"));
    std::string contest_id;
    for (const LogicAndAccuracyReport::OptionCount& row : report.options()) {
      const Contest* contest = FindContest(election, row.contest_id());
      if (row.contest_id() != contest_id) {
        contest_id = row.contest_id();
        flow.Space(2);
        if (absl::Status s = flow.NeedRoom(20); !s.ok()) return s;
        if (absl::Status s =
                flow.Paragraph({absl::StrCat(PrintedContestTitle(contest, row.contest_id()), " [",
                                             row.contest_id(), "]"),
                                true, 1.0},
                               kBodyMm * 1.1);
            !s.ok()) {
          return s;
        }
        if (absl::Status s =
                flow.Row({{expected_label.Joined(), flow.width_mm() - 78, 34, Align::kRight, true},
                          {found_label.Joined(), flow.width_mm() - 42, 34, Align::kRight, true}},
                         kSmallMm);
            !s.ok()) {
          return s;
        }
      }
      const bool differs = row.has_expected() && row.expected() != row.found();
      if (absl::Status s =
              flow.Row({{PrintedOptionName(contest, row.option_id()), 0, flow.width_mm() - 80},
                        {row.has_expected() ? absl::StrCat(row.expected()) : std::string("—"),
                         flow.width_mm() - 78, 34, Align::kRight, true},
                        {absl::StrCat(row.found()), flow.width_mm() - 42, 34, Align::kRight, true},
                        {!row.has_expected() ? std::string()
                         : differs           ? "✗"
                                             : "✓",
                         flow.width_mm() - 6, 6, Align::kRight, true}},
                       kBodyMm);
          !s.ok()) {
        return s;
      }
    }
    for (const std::string& kind_id : report.untested_ballot_kinds()) {
      const BallotKind* kind = FindBallotKind(election, kind_id);
      if (absl::Status s = flow.Paragraph(
              {absl::StrCat(Said(N_("No test ballot of this kind was read")).Joined(), ": ",
                            kind == nullptr ? kind_id
                                            : absl::StrCat(kind->name().ky(), " / ",
                                                           kind->name().ru(), " [", kind_id, "]")),
               true, 1.0},
              kBodyMm);
          !s.ok()) {
        return s;
      }
    }
    flow.Space(3);
    const Said verdict(scanner::LogicAndAccuracyVerdictMsgid(report.verdict()));
    if (absl::Status s =
            flow.Paragraph({absl::StrCat(Trilingual(verdict).ky, "\n", Trilingual(verdict).ru, "\n",
                                         Trilingual(verdict).en),
                            true, 1.0},
                           kBodyMm * 1.4, Align::kCentre, 3);
        !s.ok()) {
      return s;
    }
    std::vector<std::pair<std::string, std::string>> integrity = {
        {JoinTrilingual({"Шайлоонун хэши", "Хэш выборов", "Election hash"}),
         report.election_hash()}};
    if (!report.software().empty()) {
      integrity.emplace_back("Программа / Программа / Software", report.software());
    }
    if (!report.signing_key().empty()) {
      integrity.emplace_back("Кол тамга ачкычы / Ключ подписи / Signing key", report.signing_key());
    }
    for (const auto& [label, value] : integrity) {
      if (absl::Status s = flow.Row(
              {{label, 0, 62}, {value, 63, flow.width_mm() - 63, Align::kLeft, false, true}},
              kSmallMm);
          !s.ok()) {
        return s;
      }
    }
    return DrawSignatureBox(flow);
  };
  return Write(format, dpi, path, absl::StrCat("Logic-and-accuracy test ", report.precinct_id()),
               report.printed_unix_seconds(),
               absl::StrCat("Esep · ", report.election_id(), " · участок / precinct ",
                            report.precinct_id(), " · тест / test"),
               draw);
}

absl::StatusOr<WrittenSheet> RenderAnswer(const Election* election, const ControlResponse& answer,
                                          SheetFormat format, int dpi, const std::string& path) {
  if (answer.has_test_report() && election != nullptr) {
    return RenderLogicAndAccuracySheet(*election, answer.test_report(), format, dpi, path);
  }
  if (!answer.zero_counters().empty() && election != nullptr) {
    PrecinctProtocol counters;
    if (!counters.ParseFromString(answer.zero_counters())) {
      return absl::DataLossError("esepd's zero report counters are unreadable");
    }
    return RenderZeroReportSheet(*election, counters, format, dpi, path,
                                 answer.zero_report_copy_unix_seconds());
  }
  if (!answer.protocol().empty()) {
    if (election == nullptr) {
      return absl::InvalidArgumentError("printing the protocol sheet needs the election");
    }
    PrecinctProtocol protocol;
    SignedProtocol signed_protocol;
    PrecinctProtocol replaced;
    if (!protocol.ParseFromString(answer.protocol()) ||
        (!answer.signed_protocol().empty() &&
         !signed_protocol.ParseFromString(answer.signed_protocol())) ||
        (!answer.replaced_protocol().empty() &&
         !replaced.ParseFromString(answer.replaced_protocol()))) {
      return absl::DataLossError("esepd's protocol is unreadable");
    }
    return RenderProtocolSheet(
        *election, protocol, answer.signed_protocol().empty() ? nullptr : &signed_protocol, format,
        dpi, path, answer.replaced_protocol().empty() ? nullptr : &replaced);
  }
  if (answer.report().empty()) {
    return absl::FailedPreconditionError("esepd sent nothing to print for this command");
  }
  // The report's first line is its title, printed once as the page's heading.
  const std::size_t end_of_title = answer.report().find('\n');
  return RenderTextReport(
      answer.report().substr(0, end_of_title),
      end_of_title == std::string::npos ? "" : answer.report().substr(end_of_title + 1), format,
      dpi, path);
}

absl::StatusOr<std::string> PdfOfAnswer(const Election& election, const ControlResponse& answer) {
  char name[] = "/tmp/esep-print-XXXXXX";
  const int fd = ::mkstemp(name);
  if (fd < 0) return absl::UnavailableError("cannot make a file to print into");
  ::close(fd);
  const std::string path = name;
  absl::StatusOr<WrittenSheet> written =
      RenderAnswer(&election, answer, SheetFormat::kPdf, 200, path);
  std::string bytes;
  if (written.ok()) {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) written = absl::UnavailableError("cannot read the printed sheet");
  }
  std::filesystem::remove(path);
  if (!written.ok()) return written.status();
  return bytes;
}

absl::StatusOr<WrittenSheet> RenderTextReport(const std::string& title, const std::string& text,
                                              SheetFormat format, int dpi,
                                              const std::string& path) {
  const auto draw = [&](Flow& flow) -> absl::Status {
    if (absl::Status s = flow.Paragraph({title, true, 1.0}, 3.6, Align::kLeft, 3); !s.ok()) {
      return s;
    }
    for (const absl::string_view line : absl::StrSplit(text, '\n')) {
      if (absl::Status s = flow.Paragraph(
              {line.empty() ? " " : std::string(line), false, 1.0, true}, kBodyMm, Align::kLeft, 0);
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  };
  return Write(format, dpi, path, title, 0, absl::StrCat("Esep · ", title), draw);
}

}  // namespace esep::report
