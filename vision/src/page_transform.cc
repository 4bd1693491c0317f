#include "esep/vision/page_transform.h"

#include <cmath>

namespace esep::vision {

PointPx PageTransform::ToPage(double u, double v) const {
  const double det = Determinant();
  if (det == 0) return {0, 0};
  const double du = u - m_[2];
  const double dv = v - m_[5];
  return {(m_[4] * du - m_[1] * dv) / det, (-m_[3] * du + m_[0] * dv) / det};
}

double PageTransform::PixelsPerMm() const { return std::sqrt(std::abs(Determinant())); }

}  // namespace esep::vision
