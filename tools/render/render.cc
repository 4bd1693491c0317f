#include "esep/render/render.h"

#include <ZXing/BarcodeFormat.h>
#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>
#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <fstream>
#include <memory>
#include <opencv2/imgcodecs.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "esep/proto/ballot_identity.h"
#include "esep/proto/election.h"

namespace esep::render {
namespace {

constexpr char kFontFamily[] = "DejaVu Sans";
constexpr double kTargetLineMm = 0.3;   // outline of an empty target
constexpr double kMinFontMm = 1.2;      // smaller text is unreadable: the layout is wrong
constexpr double kTestFrameMm = 0.5;    // frame of the test-ballot marking
constexpr double kTextPaddingMm = 0.5;  // kept free inside every text area

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const {
    if (p != nullptr) Free(p);
  }
};
void UnrefGObject(void* p) { g_object_unref(p); }
struct GObjectDeleter {
  void operator()(void* p) const {
    if (p != nullptr) UnrefGObject(p);
  }
};
using CairoPtr = std::unique_ptr<cairo_t, Deleter<cairo_t, cairo_destroy>>;
using SurfacePtr =
    std::unique_ptr<cairo_surface_t, Deleter<cairo_surface_t, cairo_surface_destroy>>;
using FontOptionsPtr = std::unique_ptr<cairo_font_options_t,
                                       Deleter<cairo_font_options_t, cairo_font_options_destroy>>;
using FontDescPtr = std::unique_ptr<PangoFontDescription,
                                    Deleter<PangoFontDescription, pango_font_description_free>>;
using ContextPtr = std::unique_ptr<PangoContext, GObjectDeleter>;
using LayoutPtr = std::unique_ptr<PangoLayout, GObjectDeleter>;
using FontPtr = std::unique_ptr<PangoFont, GObjectDeleter>;

// A rectangle in drawing units (pixels at the request's dpi).
struct Box {
  double x, y, w, h;
};

Box ToBox(const Rect& r, double k) {
  return {r.x_mm() * k, r.y_mm() * k, r.width_mm() * k, r.height_mm() * k};
}

Box Inset(const Box& b, double dx, double dy) {
  return {b.x + dx, b.y + dy, std::max(0.0, b.w - 2 * dx), std::max(0.0, b.h - 2 * dy)};
}

struct TextLine {
  std::string text;
  bool bold = false;
  double relative_size = 1.0;
};

// Sets text with Pango on one cairo context. Hinting is off and glyph positions are not rounded,
// so the raster and the PDF get the same layout and the layout does not depend on the dpi.
class TextSetter {
 public:
  static absl::StatusOr<TextSetter> Create(cairo_t* cr) {
    TextSetter setter;
    setter.cr_ = cr;
    setter.context_.reset(pango_cairo_create_context(cr));
    if (setter.context_ == nullptr) return absl::InternalError("cannot create a Pango context");
    FontOptionsPtr options(cairo_font_options_create());
    cairo_font_options_set_antialias(options.get(), CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(options.get(), CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(options.get(), CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(setter.context_.get(), options.get());
    pango_context_set_round_glyph_positions(setter.context_.get(), FALSE);

    // Refuse to print with a substitute font: the ballot's look is part of its definition.
    FontDescPtr desc(pango_font_description_from_string(kFontFamily));
    pango_font_description_set_absolute_size(desc.get(), 10 * PANGO_SCALE);
    FontPtr font(pango_font_map_load_font(pango_context_get_font_map(setter.context_.get()),
                                          setter.context_.get(), desc.get()));
    if (font == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("no font found for \"", kFontFamily, "\" (install fonts-dejavu-core)"));
    }
    FontDescPtr loaded(pango_font_describe(font.get()));
    const char* family = pango_font_description_get_family(loaded.get());
    if (family == nullptr || !absl::EqualsIgnoreCase(family, kFontFamily)) {
      return absl::FailedPreconditionError(
          absl::StrCat("font \"", kFontFamily, "\" is not installed (fontconfig offers \"",
                       family == nullptr ? "" : family, "\"); install fonts-dejavu-core"));
    }
    return setter;
  }

  // Draws the lines one under the other inside `box`, at the largest size up to `max_size`
  // (drawing units, for relative_size 1) at which all of them fit; centred vertically, and
  // horizontally when `centre` is set.
  absl::Status DrawLines(const std::vector<TextLine>& lines, const Box& box, double max_size,
                         double min_size, bool centre) {
    std::vector<LayoutPtr> layouts;
    double size = max_size;
    for (int attempt = 0;; ++attempt) {
      layouts.clear();
      double total_h = 0, max_w = 0;
      for (const TextLine& line : lines) {
        absl::StatusOr<LayoutPtr> layout = MakeLayout(line, size * line.relative_size);
        if (!layout.ok()) return layout.status();
        int w = 0, h = 0;
        pango_layout_get_size(layout->get(), &w, &h);
        max_w = std::max(max_w, static_cast<double>(w) / PANGO_SCALE);
        total_h += static_cast<double>(h) / PANGO_SCALE;
        layouts.push_back(*std::move(layout));
      }
      if (max_w <= box.w && total_h <= box.h) {
        double y = box.y + (box.h - total_h) / 2;
        for (const LayoutPtr& layout : layouts) {
          int w = 0, h = 0;
          pango_layout_get_size(layout.get(), &w, &h);
          const double x =
              centre ? box.x + (box.w - static_cast<double>(w) / PANGO_SCALE) / 2 : box.x;
          cairo_move_to(cr_, x, y);
          pango_cairo_show_layout(cr_, layout.get());
          y += static_cast<double>(h) / PANGO_SCALE;
        }
        return absl::OkStatus();
      }
      size *= 0.95;
      if (size < min_size || attempt > 100) {
        return absl::InvalidArgumentError(
            absl::StrCat("text \"", lines.empty() ? "" : lines.front().text,
                         "\" does not fit its area on the ballot even at the smallest size"));
      }
    }
  }

  // Lays out paragraphs wrapped to `width`, from the top-left corner; returns the height used.
  absl::StatusOr<double> DrawParagraph(const TextLine& line, double x, double y, double width,
                                       double size) {
    absl::StatusOr<LayoutPtr> layout = MakeLayout(line, size);
    if (!layout.ok()) return layout.status();
    pango_layout_set_width(layout->get(), static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(layout->get(), PANGO_WRAP_WORD);
    int w = 0, h = 0;
    pango_layout_get_size(layout->get(), &w, &h);
    cairo_move_to(cr_, x, y);
    pango_cairo_show_layout(cr_, layout->get());
    return static_cast<double>(h) / PANGO_SCALE;
  }

 private:
  absl::StatusOr<LayoutPtr> MakeLayout(const TextLine& line, double size) {
    LayoutPtr layout(pango_layout_new(context_.get()));
    FontDescPtr desc(pango_font_description_from_string(kFontFamily));
    pango_font_description_set_weight(desc.get(),
                                      line.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_absolute_size(desc.get(), size * PANGO_SCALE);
    pango_layout_set_font_description(layout.get(), desc.get());
    // No fallback to other fonts: a character DejaVu Sans lacks must show up as unknown.
    PangoAttrList* attrs = pango_attr_list_new();
    pango_attr_list_insert(attrs, pango_attr_fallback_new(FALSE));
    pango_layout_set_attributes(layout.get(), attrs);
    pango_attr_list_unref(attrs);
    pango_layout_set_text(layout.get(), line.text.data(), static_cast<int>(line.text.size()));
    if (const int unknown = pango_layout_get_unknown_glyphs_count(layout.get()); unknown > 0) {
      return absl::FailedPreconditionError(absl::StrCat("font \"", kFontFamily,
                                                        "\" has no glyph for ", unknown,
                                                        " character(s) of \"", line.text, "\""));
    }
    return layout;
  }

  cairo_t* cr_ = nullptr;
  ContextPtr context_;
};

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
  ZXing::BarcodeFormat format;
  int quiet_modules;  // quiet zone each side, in modules
  bool linear;
};

absl::StatusOr<BarcodeFormatInfo> FormatOf(BarcodeSymbology symbology) {
  switch (symbology) {
    case QR_CODE:
      return BarcodeFormatInfo{ZXing::BarcodeFormat::QRCode, 4, false};
    case DATA_MATRIX:
      return BarcodeFormatInfo{ZXing::BarcodeFormat::DataMatrix, 2, false};
    case PDF417:
      return BarcodeFormatInfo{ZXing::BarcodeFormat::PDF417, 2, false};
    case CODE_128:
      return BarcodeFormatInfo{ZXing::BarcodeFormat::Code128, 10, true};
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
  ZXing::BitMatrix matrix;
  try {
    ZXing::MultiFormatWriter writer(info->format);
    writer.setMargin(0);
    // QR: error correction level M (ZXing's scale 0-8, 3-4 = M), 15% of the code may be lost to
    // dust or a pen stroke; the identity still fits a version 3 code (29 modules), 5 pixels per
    // module at 200 dpi in the fixtures' 28 mm area.
    if (info->format == ZXing::BarcodeFormat::QRCode) writer.setEccLevel(4);
    matrix = writer.encode(text, 0, info->linear ? 1 : 0);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot encode the ballot barcode: ", e.what()));
  }
  const int cols = matrix.width();
  const int rows = matrix.height();
  if (cols <= 0 || rows <= 0) return absl::InternalError("the barcode encoder returned nothing");
  const Box area = ToBox(spec.area(), k);
  const int q = info->quiet_modules;
  double fit = area.w / (cols + 2 * q);
  if (!info->linear) fit = std::min(fit, area.h / (rows + 2 * q));
  const int module = static_cast<int>(std::floor(fit));
  if (module < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the barcode (%d x %d modules) does not fit its %.1f x %.1f mm area at this resolution",
        cols, rows, spec.area().width_mm(), spec.area().height_mm()));
  }
  const double bar_w = static_cast<double>(cols) * module;
  const double module_h = info->linear ? std::floor(area.h * 0.8) : module;
  const double bar_h = info->linear ? module_h : static_cast<double>(rows) * module;
  const double ox = std::round(area.x + (area.w - bar_w) / 2);
  const double oy = std::round(area.y + (area.h - bar_h) / 2);
  cairo_save(cr);
  cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < cols;) {
      if (!matrix.get(x, y)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < cols && matrix.get(x + run, y)) ++run;
      cairo_rectangle(cr, ox + x * module, oy + y * module_h, run * module, module_h);
      x += run;
    }
  }
  cairo_fill(cr);
  cairo_restore(cr);
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

struct Raster {
  SurfacePtr surface;
  CairoPtr cr;
  int width = 0;
  int height = 0;
};

absl::StatusOr<Raster> NewRaster(double width_mm, double height_mm, int dpi) {
  Raster r;
  r.width = static_cast<int>(std::lround(MmToPx(width_mm, dpi)));
  r.height = static_cast<int>(std::lround(MmToPx(height_mm, dpi)));
  // A8: the alpha channel is the ink; the page is 255 - alpha.
  r.surface.reset(cairo_image_surface_create(CAIRO_FORMAT_A8, r.width, r.height));
  if (cairo_surface_status(r.surface.get()) != CAIRO_STATUS_SUCCESS) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot allocate a ", r.width, " x ", r.height, " page"));
  }
  r.cr.reset(cairo_create(r.surface.get()));
  return r;
}

cv::Mat ToPage(Raster& r) {
  cairo_surface_flush(r.surface.get());
  const unsigned char* data = cairo_image_surface_get_data(r.surface.get());
  const int stride = cairo_image_surface_get_stride(r.surface.get());
  cv::Mat page(r.height, r.width, CV_8UC1);
  for (int y = 0; y < r.height; ++y) {
    const unsigned char* src = data + static_cast<std::ptrdiff_t>(y) * stride;
    unsigned char* dst = page.ptr<unsigned char>(y);
    for (int x = 0; x < r.width; ++x) dst[x] = static_cast<unsigned char>(255 - src[x]);
  }
  return page;
}

cairo_status_t AppendToString(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
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
