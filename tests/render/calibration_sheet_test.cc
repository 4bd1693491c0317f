#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/core.hpp>

#include "esep/render/render.h"
#include "esep/vision/calibration.h"

namespace esep::render {
namespace {

constexpr int kDpi = 200;

cv::Point Centre(const Rect& r) {
  return cv::Point(static_cast<int>(MmToPx(r.x_mm() + r.width_mm() / 2, kDpi)),
                   static_cast<int>(MmToPx(r.y_mm() + r.height_mm() / 2, kDpi)));
}

cv::Rect Pixels(const Rect& r) {
  const int x0 = static_cast<int>(std::ceil(MmToPx(r.x_mm(), kDpi)));
  const int y0 = static_cast<int>(std::ceil(MmToPx(r.y_mm(), kDpi)));
  const int x1 = static_cast<int>(std::floor(MmToPx(r.x_mm() + r.width_mm(), kDpi)));
  const int y1 = static_cast<int>(std::floor(MmToPx(r.y_mm() + r.height_mm(), kDpi)));
  return cv::Rect(x0, y0, x1 - x0, y1 - y0);
}

class CalibrationSheetTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    layout_ = new vision::CalibrationLayout(vision::StandardCalibrationLayout());
    absl::StatusOr<cv::Mat> page = RenderCalibrationSheet(*layout_, kDpi);
    ASSERT_TRUE(page.ok()) << page.status();
    page_ = new cv::Mat(*page);
  }
  static void TearDownTestSuite() {
    delete layout_;
    delete page_;
  }
  static vision::CalibrationLayout* layout_;
  static cv::Mat* page_;
};

vision::CalibrationLayout* CalibrationSheetTest::layout_ = nullptr;
cv::Mat* CalibrationSheetTest::page_ = nullptr;

TEST_F(CalibrationSheetTest, PageHasTheLayoutsSizeAtTheResolution) {
  EXPECT_EQ(page_->cols, std::lround(MmToPx(layout_->page_width_mm, kDpi)));
  EXPECT_EQ(page_->rows, std::lround(MmToPx(layout_->page_height_mm, kDpi)));
  EXPECT_EQ(page_->type(), CV_8UC1);
}

TEST_F(CalibrationSheetTest, WedgeStepsAndFlatTargetsArePrintedAtExactGrayLevels) {
  for (const vision::WedgePatch& patch : layout_->wedge) {
    EXPECT_EQ(page_->at<std::uint8_t>(Centre(patch.area)), 255 - patch.ink_255);
  }
  for (const vision::PreMarkedTarget& t : layout_->targets) {
    if (t.line) continue;
    EXPECT_EQ(page_->at<std::uint8_t>(Centre(t.area)), 255 - t.ink_255) << t.id;
  }
}

TEST_F(CalibrationSheetTest, BlankBandsAreClearPaper) {
  for (const Rect& band : layout_->blank_bands) {
    double lo = 0, hi = 0;
    cv::minMaxLoc((*page_)(Pixels(band)), &lo, &hi);
    EXPECT_EQ(lo, 255) << band.y_mm();
  }
}

TEST_F(CalibrationSheetTest, FiducialsAreSolidBlack) {
  for (const Fiducial& f : layout_->fiducials) {
    const cv::Point c(static_cast<int>(MmToPx(f.center().x_mm(), kDpi)),
                      static_cast<int>(MmToPx(f.center().y_mm(), kDpi)));
    EXPECT_EQ(page_->at<std::uint8_t>(c), 0);
  }
}

TEST(CalibrationSheetPdfTest, IsAPdfAndTheSameEveryTime) {
  const vision::CalibrationLayout layout = vision::StandardCalibrationLayout();
  absl::StatusOr<std::string> a = RenderCalibrationSheetPdf(layout);
  absl::StatusOr<std::string> b = RenderCalibrationSheetPdf(layout);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->rfind("%PDF-", 0), 0u);
  EXPECT_EQ(*a, *b);
}

TEST(CalibrationSheetDpiTest, RefusesAResolutionOutOfRange) {
  const vision::CalibrationLayout layout = vision::StandardCalibrationLayout();
  EXPECT_FALSE(RenderCalibrationSheet(layout, 50).ok());
  EXPECT_FALSE(RenderCalibrationSheet(layout, 1200).ok());
}

}  // namespace
}  // namespace esep::render
