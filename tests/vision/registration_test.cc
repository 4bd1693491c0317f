#include "esep/vision/registration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "synthetic_ballot.h"

namespace esep::vision {
namespace {

using testing::DrawBallot;
using testing::SyntheticBallot;

constexpr double kPxPerMm = 200 / 25.4;

class RegistrationTest : public ::testing::Test {
 protected:
  RegistrationTest()
      : election_(testing::LoadFixtureElection("fixtures/elections/party-list-2021.json")),
        style_(election_.ballot_styles(0)) {}

  // Where the synthetic scanner puts page point (x, y) mm, in this module's pixel convention.
  static PointPx Expected(const SyntheticBallot& b, const cv::Size& size, double x, double y) {
    const cv::Point2f centre(static_cast<float>(size.width / 2.0),
                             static_cast<float>(size.height / 2.0));
    const cv::Mat m =
        cv::getRotationMatrix2D(centre, b.rotation_deg + (b.upside_down ? 180.0 : 0.0), b.scale);
    const double sx = x * kPxPerMm - 0.5, sy = y * kPxPerMm - 0.5;
    return {m.at<double>(0, 0) * sx + m.at<double>(0, 1) * sy + m.at<double>(0, 2) +
                b.shift_x_mm * kPxPerMm + 0.5,
            m.at<double>(1, 0) * sx + m.at<double>(1, 1) * sy + m.at<double>(1, 2) +
                b.shift_y_mm * kPxPerMm + 0.5};
  }

  void ExpectRegisters(const SyntheticBallot& b) {
    const cv::Mat image = DrawBallot(style_, b);
    const RegistrationResult r = Registration().Register(image, style_, b.upside_down ? 180 : 0);
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_LT(r.residual_px, 1.5);
    EXPECT_EQ(r.orientation_degrees, b.upside_down ? 180 : 0);
    // Every target corner lands within a pixel of where the scanner put it.
    for (const Target& t : style_.targets()) {
      for (const double dx : {0.0, t.area().width_mm()}) {
        for (const double dy : {0.0, t.area().height_mm()}) {
          const double x = t.area().x_mm() + dx, y = t.area().y_mm() + dy;
          const PointPx want = Expected(b, image.size(), x, y);
          const PointPx got = r.transform.ToImage(x, y);
          EXPECT_NEAR(got.x, want.x, 1.0) << t.option_id();
          EXPECT_NEAR(got.y, want.y, 1.0) << t.option_id();
        }
      }
    }
  }

  Election election_;
  BallotStyle style_;
};

TEST_F(RegistrationTest, RegistersACleanPage) { ExpectRegisters({}); }

// Within the frame the page registers to a pixel; with a mark pushed out of the frame the page
// is refused, never registered wrong.
TEST_F(RegistrationTest, RegistersRotatedScaledShiftedPagesOrRefusesCutMarks) {
  int registered = 0, refused = 0;
  for (const double rotation : {-5.0, -2.0, -1.0, 0.5, 1.0, 2.0, 5.0}) {
    for (const double scale : {0.97, 1.0, 1.03}) {
      SyntheticBallot b;
      b.rotation_deg = rotation;
      b.scale = scale;
      b.shift_x_mm = 1.5;
      b.shift_y_mm = -1.0;
      SCOPED_TRACE(::testing::Message() << "rotation " << rotation << " scale " << scale);
      const cv::Size size(static_cast<int>(std::lround(210 * kPxPerMm)),
                          static_cast<int>(std::lround(297 * kPxPerMm)));
      // Inside: every mark at least 1.5 mm clear of the frame edge.
      bool inside = true;
      for (const Fiducial& f : style_.fiducials()) {
        for (const double dx : {-4.5, 4.5}) {
          for (const double dy : {-4.5, 4.5}) {
            const PointPx p = Expected(b, size, f.center().x_mm() + dx, f.center().y_mm() + dy);
            inside = inside && p.x >= 0 && p.y >= 0 && p.x < size.width && p.y < size.height;
          }
        }
      }
      if (inside) {
        ExpectRegisters(b);
        ++registered;
      } else {
        const RegistrationResult r = Registration().Register(DrawBallot(style_, b), style_, 0);
        if (r.ok()) {
          ExpectRegisters(b);  // a barely clipped mark may still be found: then it must be right
        } else {
          EXPECT_TRUE(r.reason == REGISTRATION_FAILED || r.reason == NOT_A_BALLOT_PAGE);
          ++refused;
        }
      }
    }
  }
  EXPECT_GE(registered, 8);
  EXPECT_GE(refused, 1);
}

TEST_F(RegistrationTest, RegistersAPageFedUpsideDown) {
  SyntheticBallot b;
  b.upside_down = true;
  b.rotation_deg = 2;
  ExpectRegisters(b);
}

TEST_F(RegistrationTest, RegistersABlurredNoisyPage) {
  SyntheticBallot b;
  b.rotation_deg = -1.5;
  cv::Mat image = DrawBallot(style_, b);
  cv::GaussianBlur(image, image, cv::Size(0, 0), 1.5);
  cv::Mat noise(image.size(), CV_16SC1);
  cv::theRNG().state = 7;
  cv::randn(noise, 0, 10);
  cv::Mat wide;
  image.convertTo(wide, CV_16SC1);
  wide += noise;
  wide.convertTo(image, CV_8UC1);
  const RegistrationResult r = Registration().Register(image, style_, 0);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_LT(r.residual_px, 1.5);
}

TEST_F(RegistrationTest, BlankPageIsNotABallot) {
  const cv::Mat white(2339, 1654, CV_8UC1, cv::Scalar(250));
  const RegistrationResult r = Registration().Register(white, style_, 0);
  EXPECT_EQ(r.reason, NOT_A_BALLOT_PAGE);
  EXPECT_FALSE(r.detail.empty());
}

TEST_F(RegistrationTest, MissingMarkFailsRegistration) {
  cv::Mat image = DrawBallot(style_, {});
  cv::rectangle(image, cv::Rect(0, 0, 200, 200), cv::Scalar(245), cv::FILLED);
  const RegistrationResult r = Registration().Register(image, style_, 0);
  EXPECT_EQ(r.reason, REGISTRATION_FAILED);
}

TEST_F(RegistrationTest, MisplacedMarkIsRefusedNotGuessed) {
  cv::Mat image = DrawBallot(style_, {});
  // Move the bottom-right mark 3 mm to the left: no affine page fits all four.
  const int c = static_cast<int>(200 * kPxPerMm), r = static_cast<int>(287 * kPxPerMm);
  const int h = static_cast<int>(3.5 * kPxPerMm);
  cv::rectangle(image, cv::Rect(c - h, r - h, 2 * h, 2 * h), cv::Scalar(245), cv::FILLED);
  const int d = static_cast<int>(3 * kPxPerMm), s = static_cast<int>(3 * kPxPerMm);
  cv::rectangle(image, cv::Rect(c - d - s, r - s, 2 * s, 2 * s), cv::Scalar(0), cv::FILLED);
  const RegistrationResult result = Registration().Register(image, style_, 0);
  EXPECT_EQ(result.reason, REGISTRATION_FAILED) << result.detail;
  EXPECT_GT(result.residual_px, 4.0);
}

}  // namespace
}  // namespace esep::vision
