#include "esep/render/page_drawing.h"

#include <ZXing/BarcodeFormat.h>
#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>
#include <qrencode.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "esep/render/render.h"

namespace esep::render {
namespace {

constexpr char kFontFamily[] = "DejaVu Sans";
constexpr char kMonoFamily[] = "DejaVu Sans Mono";

using FontOptionsPtr =
    std::unique_ptr<cairo_font_options_t,
                    CairoDeleter<cairo_font_options_t, cairo_font_options_destroy>>;
using FontDescPtr =
    std::unique_ptr<PangoFontDescription,
                    CairoDeleter<PangoFontDescription, pango_font_description_free>>;
using LayoutPtr = std::unique_ptr<PangoLayout, GObjectDeleter>;
using FontPtr = std::unique_ptr<PangoFont, GObjectDeleter>;

PangoAlignment ToPango(Align align) {
  switch (align) {
    case Align::kCentre:
      return PANGO_ALIGN_CENTER;
    case Align::kRight:
      return PANGO_ALIGN_RIGHT;
    case Align::kLeft:
      break;
  }
  return PANGO_ALIGN_LEFT;
}

}  // namespace

Box Inset(const Box& b, double dx, double dy) {
  return {b.x + dx, b.y + dy, std::max(0.0, b.w - 2 * dx), std::max(0.0, b.h - 2 * dy)};
}

absl::StatusOr<TextSetter> TextSetter::Create(cairo_t* cr) {
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

  if (absl::Status s = setter.CheckFamily(kFontFamily); !s.ok()) return s;
  return setter;
}

absl::Status TextSetter::DrawLines(const std::vector<TextLine>& lines, const Box& box,
                                   double max_size, double min_size, bool centre) {
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

absl::StatusOr<double> TextSetter::DrawParagraph(const TextLine& line, double x, double y,
                                                 double width, double size, Align align) {
  absl::StatusOr<LayoutPtr> layout = MakeLayout(line, size);
  if (!layout.ok()) return layout.status();
  pango_layout_set_width(layout->get(), static_cast<int>(width * PANGO_SCALE));
  pango_layout_set_wrap(layout->get(), PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment(layout->get(), ToPango(align));
  int w = 0, h = 0;
  pango_layout_get_size(layout->get(), &w, &h);
  cairo_move_to(cr_, x, y);
  pango_cairo_show_layout(cr_, layout->get());
  return static_cast<double>(h) / PANGO_SCALE;
}

absl::StatusOr<double> TextSetter::MeasureParagraph(const TextLine& line, double width,
                                                    double size) {
  absl::StatusOr<LayoutPtr> layout = MakeLayout(line, size);
  if (!layout.ok()) return layout.status();
  pango_layout_set_width(layout->get(), static_cast<int>(width * PANGO_SCALE));
  pango_layout_set_wrap(layout->get(), PANGO_WRAP_WORD_CHAR);
  int w = 0, h = 0;
  pango_layout_get_size(layout->get(), &w, &h);
  return static_cast<double>(h) / PANGO_SCALE;
}

absl::Status TextSetter::CheckFamily(const char* wanted) {
  FontDescPtr desc(pango_font_description_from_string(wanted));
  pango_font_description_set_absolute_size(desc.get(), 10 * PANGO_SCALE);
  FontPtr font(pango_font_map_load_font(pango_context_get_font_map(context_.get()), context_.get(),
                                        desc.get()));
  if (font == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("no font found for \"", wanted, "\" (install fonts-dejavu-core)"));
  }
  FontDescPtr loaded(pango_font_describe(font.get()));
  const char* family = pango_font_description_get_family(loaded.get());
  if (family == nullptr || !absl::EqualsIgnoreCase(family, wanted)) {
    return absl::FailedPreconditionError(
        absl::StrCat("font \"", wanted, "\" is not installed (fontconfig offers \"",
                     family == nullptr ? "" : family, "\"); install fonts-dejavu-core"));
  }
  return absl::OkStatus();
}

absl::StatusOr<LayoutPtr> TextSetter::MakeLayout(const TextLine& line, double size) {
  const char* family = line.monospace ? kMonoFamily : kFontFamily;
  if (line.monospace && !mono_checked_) {
    if (absl::Status s = CheckFamily(kMonoFamily); !s.ok()) return s;
    mono_checked_ = true;
  }
  LayoutPtr layout(pango_layout_new(context_.get()));
  FontDescPtr desc(pango_font_description_from_string(family));
  pango_font_description_set_weight(desc.get(),
                                    line.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_font_description_set_absolute_size(desc.get(), size * PANGO_SCALE);
  pango_layout_set_font_description(layout.get(), desc.get());
  // No fallback to other fonts: a character the font lacks must show up as unknown.
  PangoAttrList* attrs = pango_attr_list_new();
  pango_attr_list_insert(attrs, pango_attr_fallback_new(FALSE));
  pango_layout_set_attributes(layout.get(), attrs);
  pango_attr_list_unref(attrs);
  pango_layout_set_text(layout.get(), line.text.data(), static_cast<int>(line.text.size()));
  if (const int unknown = pango_layout_get_unknown_glyphs_count(layout.get()); unknown > 0) {
    return absl::FailedPreconditionError(absl::StrCat("font \"", family, "\" has no glyph for ",
                                                      unknown, " character(s) of \"", line.text,
                                                      "\""));
  }
  return layout;
}

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

absl::StatusOr<CodeMatrix> EncodeCode(CodeFormat format, const std::string& text,
                                      int qr_ecc_level) {
  ZXing::BarcodeFormat zx = ZXing::BarcodeFormat::QRCode;
  switch (format) {
    case CodeFormat::kQrCode:
      break;
    case CodeFormat::kDataMatrix:
      zx = ZXing::BarcodeFormat::DataMatrix;
      break;
    case CodeFormat::kPdf417:
      zx = ZXing::BarcodeFormat::PDF417;
      break;
    case CodeFormat::kCode128:
      zx = ZXing::BarcodeFormat::Code128;
      break;
  }
  CodeMatrix code;
  code.linear = format == CodeFormat::kCode128;
  try {
    ZXing::MultiFormatWriter writer(zx);
    writer.setMargin(0);
    if (format == CodeFormat::kQrCode) writer.setEccLevel(qr_ecc_level);
    const ZXing::BitMatrix matrix = writer.encode(text, 0, code.linear ? 1 : 0);
    code.cols = matrix.width();
    code.rows = matrix.height();
    if (code.cols <= 0 || code.rows <= 0) {
      return absl::InternalError("the barcode encoder returned nothing");
    }
    code.dark.resize(static_cast<std::size_t>(code.cols) * code.rows);
    for (int y = 0; y < code.rows; ++y) {
      for (int x = 0; x < code.cols; ++x) {
        code.dark[static_cast<std::size_t>(y) * code.cols + x] = matrix.get(x, y) ? 1 : 0;
      }
    }
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("cannot encode the barcode: ", e.what()));
  }
  return code;
}

absl::StatusOr<CodeMatrix> EncodeQrSegments(const std::string& bytes,
                                            const std::string& alphanumeric, int qr_ecc_level) {
  const QRecLevel level = qr_ecc_level <= 2   ? QR_ECLEVEL_L
                          : qr_ecc_level <= 4 ? QR_ECLEVEL_M
                          : qr_ecc_level <= 6 ? QR_ECLEVEL_Q
                                              : QR_ECLEVEL_H;
  std::unique_ptr<QRinput, decltype(&QRinput_free)> input(QRinput_new2(0, level), QRinput_free);
  if (input == nullptr) return absl::ResourceExhaustedError("cannot start a QR code");
  if (QRinput_append(input.get(), QR_MODE_8, static_cast<int>(bytes.size()),
                     reinterpret_cast<const unsigned char*>(bytes.data())) != 0 ||
      QRinput_append(input.get(), QR_MODE_AN, static_cast<int>(alphanumeric.size()),
                     reinterpret_cast<const unsigned char*>(alphanumeric.data())) != 0) {
    return absl::InvalidArgumentError(
        "cannot encode the QR segments: the second is not in the alphanumeric set");
  }
  std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(QRcode_encodeInput(input.get()), QRcode_free);
  if (qr == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot encode ", bytes.size() + alphanumeric.size(), " characters in one QR code"));
  }
  CodeMatrix code;
  code.cols = qr->width;
  code.rows = qr->width;
  code.dark.resize(static_cast<std::size_t>(qr->width) * qr->width);
  for (std::size_t i = 0; i < code.dark.size(); ++i) code.dark[i] = qr->data[i] & 1;
  return code;
}

int DrawCodeMatrix(cairo_t* cr, const CodeMatrix& code, const Box& area, int quiet_modules) {
  const int cols = code.cols;
  const int rows = code.rows;
  const int q = quiet_modules;
  double fit = area.w / (cols + 2 * q);
  if (!code.linear) fit = std::min(fit, area.h / (rows + 2 * q));
  const int module = static_cast<int>(std::floor(fit));
  if (module < 1) return 0;
  const double bar_w = static_cast<double>(cols) * module;
  const double module_h = code.linear ? std::floor(area.h * 0.8) : module;
  const double bar_h = code.linear ? module_h : static_cast<double>(rows) * module;
  const double ox = std::round(area.x + (area.w - bar_w) / 2);
  const double oy = std::round(area.y + (area.h - bar_h) / 2);
  cairo_save(cr);
  cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < cols;) {
      if (!code.get(x, y)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < cols && code.get(x + run, y)) ++run;
      cairo_rectangle(cr, ox + x * module, oy + y * module_h, run * module, module_h);
      x += run;
    }
  }
  cairo_fill(cr);
  cairo_restore(cr);
  return module;
}

}  // namespace esep::render
