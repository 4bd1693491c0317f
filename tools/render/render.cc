#include "esep/render/render.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <opencv2/imgcodecs.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "esep/proto/ballot_identity.h"
#include "esep/proto/election.h"
#include "esep/render/page_drawing.h"

namespace esep::render {
namespace {

constexpr double kTargetLineMm = 0.3;   // outline of an empty target
constexpr double kMinFontMm = 1.2;      // smaller text is unreadable: the layout is wrong
constexpr double kTestFrameMm = 0.5;    // frame of the test-ballot marking
constexpr double kTextPaddingMm = 0.5;  // kept free inside every text area

Box ToBox(const Rect& r, double k) {
  return {r.x_mm() * k, r.y_mm() * k, r.width_mm() * k, r.height_mm() * k};
}

struct Resolved {
  const BallotStyle* style = nullptr;
  const Precinct* precinct = nullptr;
};

absl::Status CheckDpi(int dpi) {
  if (dpi < kMinDpi || dpi > kMaxDpi) {
    return absl::InvalidArgumentError(
        absl::StrCat("resolution must be from ", kMinDpi, " to ", kMaxDpi, " dpi, not ", dpi));
  }
  return absl::OkStatus();
}

absl::StatusOr<Resolved> Resolve(const Election& election, const BallotRenderRequest& request) {
  if (absl::Status s = CheckDpi(request.dpi); !s.ok()) return s;
  Resolved r;
  r.style = FindBallotStyle(election, request.style_id);
  if (r.style == nullptr) {
    std::vector<std::string> ids;
    for (const BallotStyle& s : election.ballot_styles()) ids.push_back(s.id());
    return absl::NotFoundError(absl::StrCat("election \"", election.id(),
                                            "\" has no ballot style \"", request.style_id,
                                            "\" (styles: ", absl::StrJoin(ids, ", "), ")"));
  }
  if (std::find(r.style->precinct_ids().begin(), r.style->precinct_ids().end(),
                request.precinct_id) == r.style->precinct_ids().end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ballot style \"", r.style->id(), "\" is not issued at precinct \"", request.precinct_id,
        "\" (it is issued at ", absl::StrJoin(r.style->precinct_ids(), ", "), ")"));
  }
  r.precinct = FindPrecinct(election, request.precinct_id);
  if (r.precinct == nullptr) {
    return absl::NotFoundError(absl::StrCat("election \"", election.id(), "\" has no precinct \"",
                                            request.precinct_id, "\""));
  }
  if (!(r.style->page_width_mm() > 0 && r.style->page_height_mm() > 0 &&
        r.style->page_width_mm() <= 1000 && r.style->page_height_mm() <= 1000)) {
    return absl::InvalidArgumentError(
        absl::StrCat("ballot style \"", r.style->id(), "\" has an unusable page size"));
  }
  return r;
}

struct BarcodeFormatInfo {
  CodeFormat format;
  int quiet_modules;  // quiet zone each side, in modules
};

absl::StatusOr<BarcodeFormatInfo> FormatOf(BarcodeSymbology symbology) {
  switch (symbology) {
    case QR_CODE:
      return BarcodeFormatInfo{CodeFormat::kQrCode, 4};
    case DATA_MATRIX:
      return BarcodeFormatInfo{CodeFormat::kDataMatrix, 2};
    case PDF417:
      return BarcodeFormatInfo{CodeFormat::kPdf417, 2};
    case CODE_128:
      return BarcodeFormatInfo{CodeFormat::kCode128, 10};
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unsupported barcode symbology ", static_cast<int>(symbology)));
  }
}

// Draws the barcode with a whole number of drawing units (pixels) per module, centred in its area
// with at least the symbology's quiet zone.
absl::Status DrawBarcode(cairo_t* cr, const BarcodeSpec& spec, const std::string& text, double k) {
  absl::StatusOr<BarcodeFormatInfo> info = FormatOf(spec.symbology());
  if (!info.ok()) return info.status();
  // QR: error correction level M (ZXing's scale 0-8, 3-4 = M), 15% of the code may be lost to
  // dust or a pen stroke; the identity still fits a version 3 code (29 modules), 5 pixels per
  // module at 200 dpi in the fixtures' 28 mm area.
  absl::StatusOr<CodeMatrix> code = EncodeCode(info->format, text, 4);
  if (!code.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot encode the ballot barcode: ", code.status().message()));
  }
  if (DrawCodeMatrix(cr, *code, ToBox(spec.area(), k), info->quiet_modules) < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the barcode (%d x %d modules) does not fit its %.1f x %.1f mm area at this resolution",
        code->cols, code->rows, spec.area().width_mm(), spec.area().height_mm()));
  }
  return absl::OkStatus();
}

// The one drawing routine behind both the raster and the PDF: drawing units are pixels at
// `request.dpi`, ink is the source colour, the paper is whatever the surface starts as.
absl::Status DrawBallot(cairo_t* cr, const Election& election, const Resolved& r,
                        const BallotRenderRequest& request) {
  const double k = request.dpi / 25.4;
  const BallotStyle& style = *r.style;
  cairo_set_source_rgb(cr, 0, 0, 0);

  for (const Fiducial& f : style.fiducials()) {
    cairo_rectangle(cr, (f.center().x_mm() - f.size_mm() / 2) * k,
                    (f.center().y_mm() - f.size_mm() / 2) * k, f.size_mm() * k, f.size_mm() * k);
  }
  cairo_fill(cr);

  if (!request.no_barcode) {
    BallotIdentity identity;
    identity.set_election_hash_prefix(ElectionHashPrefix(
        request.barcode_election != nullptr ? *request.barcode_election : election));
    identity.set_style_id(style.id());
    identity.set_precinct_id(r.precinct->id());
    identity.set_page(1);
    identity.set_test(request.test);
    if (absl::Status s = DrawBarcode(cr, style.barcode(), EncodeBallotIdentity(identity), k);
        !s.ok()) {
      return s;
    }
  }

  absl::StatusOr<TextSetter> text = TextSetter::Create(cr);
  if (!text.ok()) return text.status();
  const double pad = kTextPaddingMm * k;
  const double min_size = kMinFontMm * k;

  // Header: the election's title in both languages, the precinct, and on a test ballot a framed
  // marking that nobody can take for a live ballot.
  Box header = Inset(ToBox(style.header_area(), k), pad, pad);
  if (request.test) {
    const double banner_h = header.h * 0.3;
    const Box banner{header.x, header.y + header.h - banner_h, header.w, banner_h};
    header.h -= banner_h + pad;
    cairo_set_line_width(cr, kTestFrameMm * k);
    const double half = kTestFrameMm * k / 2;
    cairo_rectangle(cr, banner.x + half, banner.y + half, banner.w - 2 * half, banner.h - 2 * half);
    cairo_stroke(cr);
    if (absl::Status s = text->DrawLines({{"ҮЛГҮ / ОБРАЗЕЦ / TEST — эсепке алынбайт / не "
                                           "подсчитывается",
                                           true, 1.0}},
                                         Inset(banner, 2 * kTestFrameMm * k, kTestFrameMm * k),
                                         4.0 * k, min_size, true);
        !s.ok()) {
      return s;
    }
  }
  std::vector<TextLine> header_lines = {{election.title().ky(), true, 1.0},
                                        {election.title().ru(), true, 0.9},
                                        {r.precinct->name().ky(), false, 0.8},
                                        {r.precinct->name().ru(), false, 0.8}};
  if (absl::Status s = text->DrawLines(header_lines, header, 4.5 * k, min_size, false); !s.ok()) {
    return s;
  }

  for (const ContestPlacement& placement : style.contests()) {
    const Contest* contest = FindContest(election, placement.contest_id());
    if (contest == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "style \"", style.id(), "\" places unknown contest \"", placement.contest_id(), "\""));
    }
    if (absl::Status s = text->DrawLines(
            {{contest->title().ky(), true, 1.0}, {contest->title().ru(), false, 0.9}},
            Inset(ToBox(placement.title_area(), k), pad, pad), 4.2 * k, min_size, false);
        !s.ok()) {
      return s;
    }
  }

  for (const Target& target : style.targets()) {
    const Contest* contest = FindContest(election, target.contest_id());
    const Option* option = contest == nullptr ? nullptr : FindOption(*contest, target.option_id());
    if (option == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("style \"", style.id(), "\" has a target for unknown option \"",
                       target.contest_id(), ":", target.option_id(), "\""));
    }
    if (target.label_area().width_mm() > 0 && target.label_area().height_mm() > 0) {
      std::vector<TextLine> lines = {{option->name().ky(), true, 1.0}};
      if (option->name().ru() != option->name().ky()) {
        lines.push_back({option->name().ru(), false, 0.9});
      }
      if (absl::Status s = text->DrawLines(lines, Inset(ToBox(target.label_area(), k), pad, pad),
                                           3.8 * k, min_size, false);
          !s.ok()) {
        return s;
      }
    }
    const Box box = ToBox(target.area(), k);
    cairo_set_line_width(cr, kTargetLineMm * k);
    cairo_rectangle(cr, box.x, box.y, box.w, box.h);
    cairo_stroke(cr);
  }

  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError(
        absl::StrCat("drawing the ballot failed: ", cairo_status_to_string(cairo_status(cr))));
  }
  return absl::OkStatus();
}

// Ink of n/255: the raster prints gray level 255 - n exactly, the PDF the same gray.
void SetInk(cairo_t* cr, int ink_255) {
  cairo_set_source_rgba(cr, 0, 0, 0, std::clamp(ink_255, 0, 255) / 255.0);
}

// The one drawing routine behind the calibration sheet's raster and PDF; drawing units are
// pixels at `dpi`.
absl::Status DrawCalibrationSheet(cairo_t* cr, const vision::CalibrationLayout& layout, int dpi) {
  const double k = dpi / 25.4;
  SetInk(cr, 255);
  for (const Fiducial& f : layout.fiducials) {
    cairo_rectangle(cr, (f.center().x_mm() - f.size_mm() / 2) * k,
                    (f.center().y_mm() - f.size_mm() / 2) * k, f.size_mm() * k, f.size_mm() * k);
  }
  for (const vision::Ruler* ruler : {&layout.ruler_x, &layout.ruler_y}) {
    for (int i = 0; i < ruler->tick_count(); ++i) {
      const double at = ruler->tick_mm(i) - ruler->tick_width_mm / 2;
      if (ruler->along_x) {
        cairo_rectangle(cr, at * k, ruler->cross_mm * k, ruler->tick_width_mm * k,
                        ruler->tick_length_mm * k);
      } else {
        cairo_rectangle(cr, ruler->cross_mm * k, at * k, ruler->tick_length_mm * k,
                        ruler->tick_width_mm * k);
      }
    }
  }
  for (const vision::LinePairGroup& g : layout.line_pairs) {
    const double period = 1.0 / g.lp_per_mm;
    const double start = g.profile_along_x ? g.area.x_mm() : g.area.y_mm();
    const double end = start + (g.profile_along_x ? g.area.width_mm() : g.area.height_mm());
    for (double a = start; a + period / 2 <= end + 1e-9; a += period) {
      if (g.profile_along_x) {
        cairo_rectangle(cr, a * k, g.area.y_mm() * k, period / 2 * k, g.area.height_mm() * k);
      } else {
        cairo_rectangle(cr, g.area.x_mm() * k, a * k, g.area.width_mm() * k, period / 2 * k);
      }
    }
  }
  cairo_fill(cr);
  for (const vision::WedgePatch& patch : layout.wedge) {
    SetInk(cr, patch.ink_255);
    const Box b = ToBox(patch.area, k);
    cairo_rectangle(cr, b.x, b.y, b.w, b.h);
    cairo_fill(cr);
  }
  if (!layout.wedge.empty()) {
    // A hairline frame shows where the wedge's white step lies; the measurement reads inside.
    const Rect& first = layout.wedge.front().area;
    const Rect& last = layout.wedge.back().area;
    SetInk(cr, 255);
    cairo_set_line_width(cr, 0.15 * k);
    cairo_rectangle(cr, first.x_mm() * k, first.y_mm() * k,
                    (last.x_mm() + last.width_mm() - first.x_mm()) * k, first.height_mm() * k);
    cairo_stroke(cr);
  }
  const double outline = layout.target_outline_mm * k;
  for (const vision::PreMarkedTarget& t : layout.targets) {
    const Box box = ToBox(t.area, k);
    const Box inside = Inset(box, outline / 2, outline / 2);
    if (t.ink_255 > 0) {
      SetInk(cr, t.ink_255);
      if (t.line) {
        const double w = layout.line_width_mm * k;
        cairo_rectangle(cr, inside.x, box.y + (box.h - w) / 2, inside.w, w);
      } else {
        cairo_rectangle(cr, inside.x, inside.y, inside.w, inside.h);
      }
      cairo_fill(cr);
    }
    SetInk(cr, 255);
    cairo_set_line_width(cr, outline);
    cairo_rectangle(cr, box.x, box.y, box.w, box.h);
    cairo_stroke(cr);
  }

  SetInk(cr, 255);
  absl::StatusOr<TextSetter> text = TextSetter::Create(cr);
  if (!text.ok()) return text.status();
  const double min_size = kMinFontMm * k;
  auto label = [&](const std::string& s, double x, double y, double w, double h) {
    return text->DrawLines({{s, false, 1.0}}, {x * k, y * k, w * k, h * k}, 2.2 * k, min_size,
                           true);
  };
  if (absl::Status s = text->DrawLines(
          {{absl::StrCat("Esep: калибровка барагы / калибровочный лист / calibration sheet"), true,
            1.0},
           {absl::StrCat("layout ", vision::kCalibrationLayoutVersion,
                         " — do not fold, mark or copy; print at 100% on white paper"),
            false, 0.8}},
          ToBox(layout.title_area, k), 4.0 * k, min_size, true);
      !s.ok()) {
    return s;
  }
  for (int i = 0; i < layout.ruler_x.tick_count(); ++i) {
    const double x = layout.ruler_x.tick_mm(i);
    if (std::lround(x) % 10 != 0) continue;
    if (absl::Status s =
            label(absl::StrCat(std::lround(x)), x - 3, layout.ruler_x.cross_mm - 3.2, 6, 2.8);
        !s.ok()) {
      return s;
    }
  }
  for (const vision::WedgePatch& patch : layout.wedge) {
    const Rect& a = patch.area;
    if (absl::Status s = label(absl::StrFormat("%.2f", patch.reflectance()), a.x_mm(),
                               a.y_mm() + a.height_mm() + 0.5, a.width_mm(), 3.5);
        !s.ok()) {
      return s;
    }
  }
  for (const vision::LinePairGroup& g : layout.line_pairs) {
    const Rect& a = g.area;
    if (absl::Status s = label(absl::StrFormat("%g lp/mm", g.lp_per_mm), a.x_mm() - 3,
                               a.y_mm() + a.height_mm() + 0.5, a.width_mm() + 6, 3.5);
        !s.ok()) {
      return s;
    }
  }
  for (const vision::PreMarkedTarget& t : layout.targets) {
    const Rect& a = t.area;
    const std::string name =
        t.line ? "1 mm line"
               : (t.ink_255 == 0 ? "empty" : absl::StrFormat("%.1f%%", t.ink_255 / 2.55));
    if (absl::Status s =
            label(name, a.x_mm() - 2.5, a.y_mm() + a.height_mm() + 2.0, a.width_mm() + 5, 3.5);
        !s.ok()) {
      return s;
    }
  }
  const std::vector<TextLine> notes = {
      {"Техник: баракты окурмачка салыңыз, анан esep calibrate иштетиңиз. / Технику: подайте лист "
       "в считыватель и запустите esep calibrate.",
       false, 1.0},
      {"Technician: feed this sheet like a ballot and run esep calibrate. The reader is measured "
       "for scale, skew, white and black, tone (gray wedge), noise, streaks across the sensor, "
       "sharpness (line pairs) and how it reads marks near the thresholds (targets above). Keep "
       "the white bands clean: any mark there is read as dirt on the sensor.",
       false, 1.0},
  };
  double y = 186 * k;
  for (const TextLine& p : notes) {
    absl::StatusOr<double> h = text->DrawParagraph(p, 20 * k, y, 170 * k, 3.0 * k);
    if (!h.ok()) return h.status();
    y += *h + 3 * k;
  }
  if (y > 238 * k) {
    return absl::InternalError("the calibration sheet's notes run into a blank band");
  }
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError(absl::StrCat("drawing the calibration sheet failed: ",
                                            cairo_status_to_string(cairo_status(cr))));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<cv::Mat> RenderBallot(const Election& election, const BallotRenderRequest& request) {
  absl::StatusOr<Resolved> r = Resolve(election, request);
  if (!r.ok()) return r.status();
  absl::StatusOr<Raster> raster =
      NewRaster(r->style->page_width_mm(), r->style->page_height_mm(), request.dpi);
  if (!raster.ok()) return raster.status();
  if (absl::Status s = DrawBallot(raster->cr.get(), election, *r, request); !s.ok()) return s;
  return ToPage(*raster);
}

absl::StatusOr<std::string> RenderBallotPdf(const Election& election,
                                            const BallotRenderRequest& request) {
  absl::StatusOr<Resolved> r = Resolve(election, request);
  if (!r.ok()) return r.status();
  std::string bytes;
  constexpr double kPointsPerMm = 72.0 / 25.4;
  SurfacePtr surface(cairo_pdf_surface_create_for_stream(
      AppendToString, &bytes, r->style->page_width_mm() * kPointsPerMm,
      r->style->page_height_mm() * kPointsPerMm));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError("cannot create a PDF surface");
  }
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE,
                                 election.title().ru().c_str());
  // The election day instead of the clock, so that the same ballot gives the same file.
  const std::string date = absl::StrCat(election.date(), "T00:00:00");
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATE_DATE, date.c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_MOD_DATE, date.c_str());
  {
    CairoPtr cr(cairo_create(surface.get()));
    // Drawing units are pixels at the request's dpi, as on the raster.
    cairo_scale(cr.get(), 72.0 / request.dpi, 72.0 / request.dpi);
    if (absl::Status s = DrawBallot(cr.get(), election, *r, request); !s.ok()) return s;
    cairo_show_page(cr.get());
  }
  cairo_surface_finish(surface.get());
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError(absl::StrCat(
        "writing the PDF failed: ", cairo_status_to_string(cairo_surface_status(surface.get()))));
  }
  return bytes;
}

absl::Status WriteBallotPdf(const Election& election, const BallotRenderRequest& request,
                            const std::string& path) {
  absl::StatusOr<std::string> bytes = RenderBallotPdf(election, request);
  if (!bytes.ok()) return bytes.status();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::StatusOr<cv::Mat> RenderForeignPage(double width_mm, double height_mm, int dpi) {
  if (absl::Status s = CheckDpi(dpi); !s.ok()) return s;
  if (!(width_mm > 50 && height_mm > 50 && width_mm <= 1000 && height_mm <= 1000)) {
    return absl::InvalidArgumentError("unusable page size for a foreign sheet");
  }
  absl::StatusOr<Raster> raster = NewRaster(width_mm, height_mm, dpi);
  if (!raster.ok()) return raster.status();
  cairo_t* cr = raster->cr.get();
  cairo_set_source_rgb(cr, 0, 0, 0);
  absl::StatusOr<TextSetter> text = TextSetter::Create(cr);
  if (!text.ok()) return text.status();
  const double k = dpi / 25.4;
  const double x = 25 * k;
  const double width = (width_mm - 50) * k;
  double y = 30 * k;
  const std::vector<TextLine> paragraphs = {
      {"Маалымкат / Справка", true, 1.4},
      {"Бул барак шайлоо бюллетени эмес. Ал шайлоо участкасынын тизмеси боюнча маалымат үчүн "
       "гана берилет.",
       false, 1.0},
      {"Настоящий лист не является избирательным бюллетенем. Он выдан только для справки о "
       "порядке работы избирательного участка: участок открыт с 8:00 до 20:00, при себе "
       "необходимо иметь паспорт.",
       false, 1.0},
      {"Шайлоочулардын тизмесин текшерүү үчүн участоктук шайлоо комиссиясына кайрылыңыз.", false,
       1.0},
  };
  for (const TextLine& p : paragraphs) {
    absl::StatusOr<double> h = text->DrawParagraph(p, x, y, width, 4.0 * k * p.relative_size);
    if (!h.ok()) return h.status();
    y += *h + 5 * k;
  }
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError("drawing the foreign sheet failed");
  }
  return ToPage(*raster);
}

absl::StatusOr<cv::Mat> RenderCalibrationSheet(const vision::CalibrationLayout& layout, int dpi) {
  if (absl::Status s = CheckDpi(dpi); !s.ok()) return s;
  absl::StatusOr<Raster> raster = NewRaster(layout.page_width_mm, layout.page_height_mm, dpi);
  if (!raster.ok()) return raster.status();
  if (absl::Status s = DrawCalibrationSheet(raster->cr.get(), layout, dpi); !s.ok()) return s;
  return ToPage(*raster);
}

absl::StatusOr<std::string> RenderCalibrationSheetPdf(const vision::CalibrationLayout& layout) {
  std::string bytes;
  constexpr double kPointsPerMm = 72.0 / 25.4;
  SurfacePtr surface(cairo_pdf_surface_create_for_stream(AppendToString, &bytes,
                                                         layout.page_width_mm * kPointsPerMm,
                                                         layout.page_height_mm * kPointsPerMm));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError("cannot create a PDF surface");
  }
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, "Esep calibration sheet");
  // A fixed date, so that the same layout gives the same file.
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATE_DATE,
                                 "2026-01-01T00:00:00");
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_MOD_DATE, "2026-01-01T00:00:00");
  {
    constexpr int kDrawingDpi = 600;
    CairoPtr cr(cairo_create(surface.get()));
    cairo_scale(cr.get(), 72.0 / kDrawingDpi, 72.0 / kDrawingDpi);
    if (absl::Status s = DrawCalibrationSheet(cr.get(), layout, kDrawingDpi); !s.ok()) return s;
    cairo_show_page(cr.get());
  }
  cairo_surface_finish(surface.get());
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError(absl::StrCat(
        "writing the PDF failed: ", cairo_status_to_string(cairo_surface_status(surface.get()))));
  }
  return bytes;
}

absl::StatusOr<std::vector<std::uint8_t>> EncodePng(const cv::Mat& image) {
  if (image.empty() || image.type() != CV_8UC1) {
    return absl::InvalidArgumentError("only a non-empty 8-bit grayscale image can be saved");
  }
  std::vector<std::uint8_t> bytes;
  try {
    const std::vector<int> params = {cv::IMWRITE_PNG_COMPRESSION, 6, cv::IMWRITE_PNG_STRATEGY,
                                     cv::IMWRITE_PNG_STRATEGY_DEFAULT};
    if (!cv::imencode(".png", image, bytes, params)) {
      return absl::InternalError("PNG encoding failed");
    }
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat("PNG encoding failed: ", e.what()));
  }
  return bytes;
}

absl::Status WritePng(const cv::Mat& image, const std::string& path) {
  absl::StatusOr<std::vector<std::uint8_t>> bytes = EncodePng(image);
  if (!bytes.ok()) return bytes.status();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes->data()),
            static_cast<std::streamsize>(bytes->size()));
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace esep::render
