#ifndef ESEP_RENDER_PAGE_DRAWING_H_
#define ESEP_RENDER_PAGE_DRAWING_H_

#include <cairo.h>
#include <pango/pangocairo.h>

#include <cstdint>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// The Cairo + Pango drawing shared by everything Esep prints (ballots, protocols, reports), so that
// every printout sets text and codes the same way: one font, no substitute glyphs, whole-pixel
// code modules, and the same drawing code behind the raster and the PDF.
namespace esep::render {

template <typename T, void (*Free)(T*)>
struct CairoDeleter {
  void operator()(T* p) const {
    if (p != nullptr) Free(p);
  }
};
struct GObjectDeleter {
  void operator()(void* p) const {
    if (p != nullptr) g_object_unref(p);
  }
};
using CairoPtr = std::unique_ptr<cairo_t, CairoDeleter<cairo_t, cairo_destroy>>;
using SurfacePtr =
    std::unique_ptr<cairo_surface_t, CairoDeleter<cairo_surface_t, cairo_surface_destroy>>;

// A rectangle in drawing units.
struct Box {
  double x, y, w, h;
};
Box Inset(const Box& b, double dx, double dy);

struct TextLine {
  std::string text;
  bool bold = false;
  double relative_size = 1.0;
  bool monospace = false;  // DejaVu Sans Mono instead of DejaVu Sans
};

enum class Align { kLeft, kCentre, kRight };

// Sets text with Pango on one cairo context. Hinting is off and glyph positions are not rounded,
// so the raster and the PDF get the same layout and the layout does not depend on the dpi.
class TextSetter {
 public:
  // Refuses to work with a substitute font: what is printed must look as specified.
  static absl::StatusOr<TextSetter> Create(cairo_t* cr);

  // Draws the lines one under the other inside `box`, at the largest size up to `max_size`
  // (drawing units, for relative_size 1) at which all of them fit; centred vertically, and
  // horizontally when `centre` is set.
  absl::Status DrawLines(const std::vector<TextLine>& lines, const Box& box, double max_size,
                         double min_size, bool centre);

  // Lays out a paragraph wrapped to `width`, from the top-left corner; returns the height used.
  absl::StatusOr<double> DrawParagraph(const TextLine& line, double x, double y, double width,
                                       double size, Align align = Align::kLeft);

  // The height DrawParagraph() would use, without drawing.
  absl::StatusOr<double> MeasureParagraph(const TextLine& line, double width, double size);

 private:
  absl::StatusOr<std::unique_ptr<PangoLayout, GObjectDeleter>> MakeLayout(const TextLine& line,
                                                                          double size);
  // OK when Pango gives `wanted` itself, not a substitute.
  absl::Status CheckFamily(const char* wanted);
  cairo_t* cr_ = nullptr;
  std::unique_ptr<PangoContext, GObjectDeleter> context_;
  bool mono_checked_ = false;
};

// An 8-bit page being drawn: drawing units are pixels.
struct Raster {
  SurfacePtr surface;
  CairoPtr cr;
  int width = 0;
  int height = 0;
};
absl::StatusOr<Raster> NewRaster(double width_mm, double height_mm, int dpi);
// The page as a grayscale image (CV_8UC1, white paper = 255).
cv::Mat ToPage(Raster& raster);

// A cairo write function appending to the std::string passed as `closure` (PDF in memory).
cairo_status_t AppendToString(void* closure, const unsigned char* data, unsigned int length);

// A 2-D or linear code's modules, as the ZXing writer made them.
enum class CodeFormat { kQrCode, kDataMatrix, kPdf417, kCode128 };
struct CodeMatrix {
  int cols = 0;
  int rows = 0;
  bool linear = false;
  std::vector<std::uint8_t> dark;  // row-major, 1 = ink
  bool get(int x, int y) const { return dark[static_cast<std::size_t>(y) * cols + x] != 0; }
};
// `qr_ecc_level` is ZXing's 0-8 scale (1-2 = L, 3-4 = M, 5-6 = Q, 7-8 = H), for QR codes only.
absl::StatusOr<CodeMatrix> EncodeCode(CodeFormat format, const std::string& text, int qr_ecc_level);
// A QR code of two segments: `bytes` in byte mode (a URL, any case) followed by `alphanumeric`
// in alphanumeric mode (QR's 0-9 A-Z space $%*+-./: set, 5.5 bits a character), so that a URL
// carrying a long alphanumeric payload costs little more than the payload alone.
absl::StatusOr<CodeMatrix> EncodeQrSegments(const std::string& bytes,
                                            const std::string& alphanumeric, int qr_ecc_level);
// Draws the code with a whole number of drawing units per module, centred in `area` with
// `quiet_modules` free on each side (a linear code takes 80% of the area's height). Returns the
// module size, or 0 (drawing nothing) when the code does not fit.
int DrawCodeMatrix(cairo_t* cr, const CodeMatrix& code, const Box& area, int quiet_modules);

}  // namespace esep::render

#endif  // ESEP_RENDER_PAGE_DRAWING_H_
