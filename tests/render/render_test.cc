#include "esep/render/render.h"

#include <ZXing/DecodeHints.h>
#include <ZXing/ImageView.h>
#include <ZXing/ReadBarcode.h>
#include <gtest/gtest.h>

#include <string>

#include "esep/proto/ballot_identity.h"
#include "esep/proto/election.h"
#include "esep/render/marks.h"

namespace esep::render {
namespace {

Election LoadFixture(const std::string& name) {
  absl::StatusOr<Election> election = LoadElectionFile("fixtures/elections/" + name + ".json");
  EXPECT_TRUE(election.ok()) << election.status();
  return election.ok() ? *election : Election();
}

BallotRenderRequest Request(const std::string& style, const std::string& precinct, int dpi = 200) {
  BallotRenderRequest request;
  request.style_id = style;
  request.precinct_id = precinct;
  request.dpi = dpi;
  return request;
}

// Reads the barcode(s) of an image with ZXing.
std::vector<ZXing::Result> ReadBarcodes(const cv::Mat& image) {
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode | ZXing::BarcodeFormat::DataMatrix);
  hints.setTryHarder(true);
  const ZXing::ImageView view(image.data, image.cols, image.rows, ZXing::ImageFormat::Lum,
                              static_cast<int>(image.step));
  return ZXing::ReadBarcodes(view, hints);
}

// The style's barcode area with 3 mm around it, where an interpreter looks once the page is
// registered. (ZXing 1.4 finds a QR code anywhere on a whole page, but not always a Data Matrix.)
cv::Mat BarcodeArea(const cv::Mat& page, const BallotStyle& style, int dpi) {
  const Rect& a = style.barcode().area();
  const double k = dpi / 25.4;
  const cv::Rect r(static_cast<int>((a.x_mm() - 3) * k), static_cast<int>((a.y_mm() - 3) * k),
                   static_cast<int>((a.width_mm() + 6) * k),
                   static_cast<int>((a.height_mm() + 6) * k));
  return page(r & cv::Rect(cv::Point(0, 0), page.size())).clone();
}

TEST(RenderBallotTest, PrintsAGrayscalePageOfTheStyleSizeAtTheRequestedDpi) {
  const Election election = LoadFixture("party-list-2021");
  for (int dpi : {200, 300}) {
    absl::StatusOr<cv::Mat> page = RenderBallot(election, Request("list", "1001", dpi));
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->type(), CV_8UC1);
    EXPECT_EQ(page->cols, static_cast<int>(std::lround(210.0 * dpi / 25.4)));
    EXPECT_EQ(page->rows, static_cast<int>(std::lround(297.0 * dpi / 25.4)));
    // The fiducials are solid black squares centred where the style says.
    const BallotStyle& style = election.ballot_styles(0);
    for (const Fiducial& f : style.fiducials()) {
      const double k = dpi / 25.4;
      const int half = static_cast<int>(f.size_mm() / 2 * k) - 2;
      const cv::Rect inside(static_cast<int>(f.center().x_mm() * k) - half,
                            static_cast<int>(f.center().y_mm() * k) - half, 2 * half, 2 * half);
      EXPECT_GT(RegionDarkness(*page, inside), 0.99);
    }
  }
}

TEST(RenderBallotTest, IsDeterministic) {
  const Election election = LoadFixture("single-mandate-2021");
  absl::StatusOr<cv::Mat> a = RenderBallot(election, Request("district-2", "2001"));
  absl::StatusOr<cv::Mat> b = RenderBallot(election, Request("district-2", "2001"));
  ASSERT_TRUE(a.ok() && b.ok());
  absl::StatusOr<std::vector<std::uint8_t>> pa = EncodePng(*a), pb = EncodePng(*b);
  ASSERT_TRUE(pa.ok() && pb.ok());
  EXPECT_EQ(*pa, *pb);
  EXPECT_LT(pa->size(), 150u * 1024);
}

TEST(RenderBallotTest, TargetInteriorsAreEmptyOnAnUnmarkedBallot) {
  for (const char* name :
       {"party-list-2021", "single-mandate-2021", "presidential-2021", "referendum-2021"}) {
    const Election election = LoadFixture(name);
    for (const BallotStyle& style : election.ballot_styles()) {
      BallotRenderRequest request = Request(style.id(), style.precinct_ids(0));
      request.test = true;
      absl::StatusOr<cv::Mat> page = RenderBallot(election, request);
      ASSERT_TRUE(page.ok()) << page.status();
      for (const Target& t : style.targets()) {
        EXPECT_EQ(RegionDarkness(*page, TargetInterior(t.area(), 200, page->size())), 0.0)
            << name << " " << t.option_id();
      }
    }
  }
}

class BarcodeRoundTripTest : public testing::TestWithParam<BarcodeSymbology> {};

TEST_P(BarcodeRoundTripTest, DecodesToTheBallotIdentity) {
  Election election = LoadFixture("referendum-2021");
  election.mutable_ballot_styles(0)->mutable_barcode()->set_symbology(GetParam());
  for (int dpi : {200, 300}) {
    for (bool test : {false, true}) {
      BallotRenderRequest request = Request("referendum", "2001", dpi);
      request.test = test;
      absl::StatusOr<cv::Mat> page = RenderBallot(election, request);
      ASSERT_TRUE(page.ok()) << page.status();
      if (GetParam() == QR_CODE) {
        EXPECT_EQ(ReadBarcodes(*page).size(), 1u);
      }
      const std::vector<ZXing::Result> results =
          ReadBarcodes(BarcodeArea(*page, election.ballot_styles(0), dpi));
      ASSERT_EQ(results.size(), 1u);
      EXPECT_EQ(results[0].format(), GetParam() == QR_CODE ? ZXing::BarcodeFormat::QRCode
                                                           : ZXing::BarcodeFormat::DataMatrix);
      absl::StatusOr<BallotIdentity> identity = DecodeBallotIdentity(results[0].text());
      ASSERT_TRUE(identity.ok()) << identity.status();
      BallotIdentity expected;
      expected.set_election_hash_prefix(ElectionHashPrefix(election));
      expected.set_style_id("referendum");
      expected.set_precinct_id("2001");
      expected.set_page(1);
      expected.set_test(test);
      EXPECT_EQ(identity->SerializeAsString(), expected.SerializeAsString())
          << identity->DebugString();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Symbologies, BarcodeRoundTripTest, testing::Values(QR_CODE, DATA_MATRIX));

TEST(RenderBallotTest, CarriesTheHashOfTheRequestedBarcodeElection) {
  const Election party_list = LoadFixture("party-list-2021");
  const Election president = LoadFixture("presidential-2021");
  BallotRenderRequest request = Request("president", "1001");
  request.barcode_election = &party_list;
  absl::StatusOr<cv::Mat> page = RenderBallot(president, request);
  ASSERT_TRUE(page.ok()) << page.status();
  const std::vector<ZXing::Result> results = ReadBarcodes(*page);
  ASSERT_EQ(results.size(), 1u);
  absl::StatusOr<BallotIdentity> identity = DecodeBallotIdentity(results[0].text());
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->election_hash_prefix(), ElectionHashPrefix(party_list));
  EXPECT_NE(identity->election_hash_prefix(), ElectionHashPrefix(president));
}

TEST(RenderBallotTest, LeavesTheBarcodeAreaBlankWhenAsked) {
  const Election election = LoadFixture("presidential-2021");
  BallotRenderRequest request = Request("president", "1002");
  request.no_barcode = true;
  absl::StatusOr<cv::Mat> page = RenderBallot(election, request);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(ReadBarcodes(*page).empty());
  EXPECT_TRUE(ReadBarcodes(BarcodeArea(*page, election.ballot_styles(0), 200)).empty());
  const Rect& area = election.ballot_styles(0).barcode().area();
  const double k = 200 / 25.4;
  const cv::Rect px(static_cast<int>(area.x_mm() * k), static_cast<int>(area.y_mm() * k),
                    static_cast<int>(area.width_mm() * k), static_cast<int>(area.height_mm() * k));
  EXPECT_EQ(RegionDarkness(*page, px), 0.0);
}

TEST(RenderBallotTest, WritesAPdfWithTheSameDrawing) {
  const Election election = LoadFixture("party-list-2021");
  absl::StatusOr<std::string> pdf = RenderBallotPdf(election, Request("list", "1002", 300));
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  ASSERT_GT(pdf->size(), 1000u);
  EXPECT_EQ(pdf->substr(0, 5), "%PDF-");
  // Text is embedded as a font, not as pixels.
  EXPECT_NE(pdf->find("DejaVuSans"), std::string::npos);
  // Dated by the election, not the clock: the same ballot gives the same file.
  absl::StatusOr<std::string> again = RenderBallotPdf(election, Request("list", "1002", 300));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(*pdf == *again);
}

TEST(RenderBallotTest, RefusesBadRequestsWithAClearMessage) {
  const Election election = LoadFixture("single-mandate-2021");
  absl::StatusOr<cv::Mat> page = RenderBallot(election, Request("district-9", "1001"));
  ASSERT_FALSE(page.ok());
  EXPECT_NE(std::string(page.status().message()).find("no ballot style \"district-9\""),
            std::string::npos)
      << page.status();

  page = RenderBallot(election, Request("district-2", "1001"));
  ASSERT_FALSE(page.ok());
  EXPECT_NE(std::string(page.status().message()).find("not issued at precinct \"1001\""),
            std::string::npos)
      << page.status();

  page = RenderBallot(election, Request("district-1", "1001", 0));
  ASSERT_FALSE(page.ok());
  EXPECT_NE(std::string(page.status().message()).find("not 0"), std::string::npos) << page.status();

  EXPECT_FALSE(RenderBallotPdf(election, Request("district-1", "1001", 0)).ok());
}

TEST(RenderBallotTest, RefusesTextTheFontCannotPrint) {
  Election election = LoadFixture("presidential-2021");
  election.mutable_contests(0)->mutable_options(1)->mutable_name()->set_ky("候选人");
  absl::StatusOr<cv::Mat> page = RenderBallot(election, Request("president", "1001"));
  ASSERT_FALSE(page.ok());
  EXPECT_NE(std::string(page.status().message()).find("no glyph"), std::string::npos)
      << page.status();
}

TEST(RenderForeignPageTest, HasTextButNoFiducials) {
  absl::StatusOr<cv::Mat> page = RenderForeignPage(210, 297, 200);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_GT(RegionDarkness(*page, cv::Rect(0, 0, page->cols, page->rows / 3)), 0.003);
  const double k = 200 / 25.4;
  for (const auto& [x, y] : {std::pair{10.0, 10.0}, {200.0, 10.0}, {10.0, 287.0}, {200.0, 287.0}}) {
    const cv::Rect corner(static_cast<int>((x - 5) * k), static_cast<int>((y - 5) * k),
                          static_cast<int>(10 * k), static_cast<int>(10 * k));
    EXPECT_EQ(RegionDarkness(*page, corner), 0.0);
  }
}

}  // namespace
}  // namespace esep::render
