#ifndef ESEP_VISION_PAGE_TRANSFORM_H_
#define ESEP_VISION_PAGE_TRANSFORM_H_

#include <array>

namespace esep::vision {

// A point in image pixels. Pixel (c, r) covers [c, c + 1) x [r, r + 1); its centre is
// (c + 0.5, r + 0.5).
struct PointPx {
  double x = 0;
  double y = 0;
};

// The mapping from page millimetres to image pixels:
//   u = a * x + b * y + c,  v = d * x + e * y + f.
// Affine rather than projective: a sheet pulled past a line sensor is rotated, shifted and scaled
// but not seen in perspective, and with four registration marks an affine fit keeps two degrees
// of freedom to measure how well the marks agree (a projective fit through four points always
// fits exactly and so can never refuse a bad page).
class PageTransform {
 public:
  PageTransform() = default;
  PageTransform(double a, double b, double c, double d, double e, double f)
      : m_{a, b, c, d, e, f} {}

  PointPx ToImage(double x_mm, double y_mm) const {
    return {m_[0] * x_mm + m_[1] * y_mm + m_[2], m_[3] * x_mm + m_[4] * y_mm + m_[5]};
  }
  // The inverse mapping, image pixels to page millimetres (x in .x, y in .y).
  PointPx ToPage(double u, double v) const;
  // Square root of the area scale: pixels per millimetre.
  double PixelsPerMm() const;
  // Determinant of the linear part; negative for a mirrored mapping.
  double Determinant() const { return m_[0] * m_[4] - m_[1] * m_[3]; }
  // Row-major 3x3 homography with last row (0, 0, 1).
  std::array<double, 9> Homography() const {
    return {m_[0], m_[1], m_[2], m_[3], m_[4], m_[5], 0, 0, 1};
  }
  const std::array<double, 6>& coefficients() const { return m_; }

 private:
  std::array<double, 6> m_ = {1, 0, 0, 0, 1, 0};
};

}  // namespace esep::vision

#endif  // ESEP_VISION_PAGE_TRANSFORM_H_
