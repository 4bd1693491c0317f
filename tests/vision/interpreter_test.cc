#include "esep/vision/interpreter.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "esep/proto/election.h"
#include "esep/vision/return_policy.h"
#include "synthetic_ballot.h"

namespace esep::vision {
namespace {

using testing::BarcodeText;
using testing::DrawBallot;
using testing::SyntheticBallot;
using testing::SyntheticMark;
using testing::View;

class InterpreterTest : public ::testing::Test {
 protected:
  InterpreterTest()
      : election_(testing::LoadFixtureElection("fixtures/elections/party-list-2021.json")),
        style_(election_.ballot_styles(0)) {}

  Interpreter Make(InterpreterOptions options = {}) const {
    if (options.precinct_id.empty()) options.precinct_id = "1001";
    absl::StatusOr<Interpreter> interpreter = Interpreter::Create(election_, options);
    EXPECT_TRUE(interpreter.ok()) << interpreter.status();
    return *std::move(interpreter);
  }

  SyntheticBallot Ballot(const std::string& precinct = "1001", bool test = false) const {
    SyntheticBallot b;
    b.barcode_text = BarcodeText(election_, "list", precinct, test);
    return b;
  }

  Interpretation Read(const SyntheticBallot& b, InterpreterOptions options = {}) const {
    const cv::Mat image = DrawBallot(style_, b);
    return Make(options).Interpret(View(image));
  }

  Election election_;
  BallotStyle style_;
};

const TargetReading* FindTarget(const Interpretation& in, const std::string& option) {
  for (const TargetReading& t : in.targets()) {
    if (t.option_id() == option) return &t;
  }
  return nullptr;
}

TEST_F(InterpreterTest, ReadsAValidVote) {
  SyntheticBallot b = Ballot();
  b.marks["ishenim"] = SyntheticMark::kFilled;
  const Interpretation in = Read(b);
  ASSERT_TRUE(in.accepted()) << in.detail();
  EXPECT_EQ(in.reason(), REJECTION_REASON_UNSPECIFIED);
  EXPECT_EQ(in.identity().style_id(), "list");
  EXPECT_EQ(in.identity().precinct_id(), "1001");
  EXPECT_EQ(in.orientation_degrees(), 0);
  EXPECT_EQ(in.interpreter_version(), kInterpreterVersion);
  ASSERT_EQ(in.targets_size(), style_.targets_size());
  for (const TargetReading& t : in.targets()) {
    EXPECT_EQ(t.mark(), t.option_id() == "ishenim" ? MARKED : EMPTY) << t.option_id();
  }
  ASSERT_EQ(in.contests_size(), 1);
  EXPECT_EQ(in.contests(0).outcome(), VALID);
  ASSERT_EQ(in.contests(0).selections_size(), 1);
  EXPECT_EQ(in.contests(0).selections(0), "ishenim");
  EXPECT_TRUE(DecideBallot(in, EffectiveReturnPolicy(election_)).cast);
}

TEST_F(InterpreterTest, ReadsPencilLineAndFaintFill) {
  SyntheticBallot b = Ballot();
  b.marks["alyans"] = SyntheticMark::kLine;
  b.marks["ordo"] = SyntheticMark::kLight;
  const Interpretation in = Read(b);
  ASSERT_TRUE(in.accepted()) << in.detail();
  EXPECT_EQ(FindTarget(in, "alyans")->mark(), MARKED);
  EXPECT_EQ(FindTarget(in, "ordo")->mark(), MARGINAL) << FindTarget(in, "ordo")->score();
  EXPECT_EQ(in.contests(0).outcome(), VALID);
  EXPECT_TRUE(in.contests(0).has_marginal());
  EXPECT_FALSE(DecideBallot(in, EffectiveReturnPolicy(election_)).cast);
}

TEST_F(InterpreterTest, AgainstAllWithAnotherIsOvervote) {
  SyntheticBallot b = Ballot();
  b.marks["ata-jurt"] = SyntheticMark::kFilled;
  b.marks["against-all"] = SyntheticMark::kFilled;
  const Interpretation in = Read(b);
  ASSERT_TRUE(in.accepted()) << in.detail();
  EXPECT_EQ(in.contests(0).outcome(), OVERVOTE);
  EXPECT_EQ(in.contests(0).selections_size(), 0);
  EXPECT_FALSE(DecideBallot(in, EffectiveReturnPolicy(election_)).cast);
}

TEST_F(InterpreterTest, BlankBallotIsBlank) {
  const Interpretation in = Read(Ballot());
  ASSERT_TRUE(in.accepted()) << in.detail();
  EXPECT_EQ(in.contests(0).outcome(), BLANK);
  EXPECT_FALSE(DecideBallot(in, EffectiveReturnPolicy(election_)).cast);
}

TEST_F(InterpreterTest, ReadsABallotFedUpsideDownAndSkewed) {
  SyntheticBallot b = Ballot();
  b.marks["el-umutu"] = SyntheticMark::kFilled;
  b.upside_down = true;
  b.rotation_deg = -1.5;
  b.scale = 1.01;
  b.shift_x_mm = -2;
  const Interpretation in = Read(b);
  ASSERT_TRUE(in.accepted()) << in.detail();
  EXPECT_EQ(in.orientation_degrees(), 180);
  ASSERT_EQ(in.contests(0).selections_size(), 1);
  EXPECT_EQ(in.contests(0).selections(0), "el-umutu");
}

TEST_F(InterpreterTest, RejectsMissingAndForeignBarcodes) {
  SyntheticBallot none = Ballot();
  none.barcode_text.clear();
  EXPECT_EQ(Read(none).reason(), NO_BARCODE);
  SyntheticBallot foreign = Ballot();
  foreign.barcode_text = "https://example.org/";
  const Interpretation in = Read(foreign);
  EXPECT_FALSE(in.accepted());
  EXPECT_EQ(in.reason(), BAD_BARCODE);
  EXPECT_FALSE(in.detail().empty());
}

TEST_F(InterpreterTest, RejectsBallotsThatDoNotBelongHere) {
  SyntheticBallot other_election = Ballot();
  other_election.barcode_text = "ESEP1|0123456789abcdef|list|1001|1|L";
  EXPECT_EQ(Read(other_election).reason(), WRONG_ELECTION);
  SyntheticBallot unknown_style = Ballot();
  unknown_style.barcode_text = BarcodeText(election_, "president", "1001", false);
  EXPECT_EQ(Read(unknown_style).reason(), UNKNOWN_STYLE);
  EXPECT_EQ(Read(Ballot("2001")).reason(), WRONG_PRECINCT);
  EXPECT_EQ(Read(Ballot("1001", /*test=*/true)).reason(), TEST_BALLOT_WHILE_LIVE);
  InterpreterOptions test_mode;
  test_mode.test_mode = true;
  EXPECT_EQ(Read(Ballot("1001", false), test_mode).reason(), LIVE_BALLOT_IN_TEST);
  const Interpretation test_ballot = Read(Ballot("1001", true), test_mode);
  EXPECT_TRUE(test_ballot.accepted()) << test_ballot.detail();
}

TEST_F(InterpreterTest, ThresholdOverrideFromCalibrationApplies) {
  SyntheticBallot b = Ballot();
  b.marks["alyans"] = SyntheticMark::kLine;
  InterpreterOptions options;
  MarkThresholds strict;
  strict.set_definite(0.5);
  strict.set_marginal(0.05);
  options.thresholds = strict;
  const Interpretation in = Read(b, options);
  ASSERT_TRUE(in.accepted());
  EXPECT_EQ(FindTarget(in, "alyans")->mark(), MARGINAL);
  EXPECT_NE(Make(options).ThresholdReport().find("calibration profile"), std::string::npos);
  EXPECT_NE(Make().ThresholdReport().find("6.00%"), std::string::npos);
}

TEST_F(InterpreterTest, CreateRefusesUnknownPrecinctAndDisorderedThresholds) {
  InterpreterOptions unknown;
  unknown.precinct_id = "9999";
  EXPECT_FALSE(Interpreter::Create(election_, unknown).ok());
  InterpreterOptions bad;
  MarkThresholds t;
  t.set_definite(0.02);
  t.set_marginal(0.05);
  bad.thresholds = t;
  EXPECT_FALSE(Interpreter::Create(election_, bad).ok());
}

TEST_F(InterpreterTest, SameImageGivesIdenticalBytesWhateverTheStride) {
  SyntheticBallot b = Ballot();
  b.marks["ishenim"] = SyntheticMark::kLine;
  b.marks["ordo"] = SyntheticMark::kLight;
  b.rotation_deg = 1.3;
  const cv::Mat image = DrawBallot(style_, b);
  const Interpreter interpreter = Make();
  const std::string first = interpreter.Interpret(View(image)).SerializeAsString();
  const std::string second = interpreter.Interpret(View(image)).SerializeAsString();
  EXPECT_EQ(first, second);
  const int stride = image.cols + 13;
  std::vector<std::uint8_t> padded(static_cast<std::size_t>(stride) * image.rows, 77);
  for (int r = 0; r < image.rows; ++r) {
    std::copy(image.ptr<std::uint8_t>(r), image.ptr<std::uint8_t>(r) + image.cols,
              padded.begin() + static_cast<long>(r) * stride);
  }
  const GrayImage strided{padded, image.cols, image.rows, stride};
  EXPECT_EQ(interpreter.Interpret(strided).SerializeAsString(), first);
  Interpretation parsed;
  ASSERT_TRUE(parsed.ParseFromString(first));
  EXPECT_TRUE(parsed.accepted());
}

// Bad input: every case is a rejection with a reason and a sentence, never a crash.
class BadInputTest : public InterpreterTest {
 protected:
  void ExpectRejected(const GrayImage& image, std::vector<RejectionReason> allowed) {
    const Interpretation in = Make().Interpret(image);
    EXPECT_FALSE(in.accepted());
    EXPECT_NE(std::find(allowed.begin(), allowed.end(), in.reason()), allowed.end())
        << RejectionReason_Name(in.reason()) << ": " << in.detail();
    EXPECT_FALSE(in.detail().empty());
    EXPECT_EQ(in.targets_size(), 0);
  }
};

TEST_F(BadInputTest, InvalidBuffers) {
  ExpectRejected(GrayImage{}, {INVALID_IMAGE});
  std::vector<std::uint8_t> one = {128};
  ExpectRejected(GrayImage{one, 1, 1, 1}, {INVALID_IMAGE});
  std::vector<std::uint8_t> small(100 * 100, 255);
  ExpectRejected(GrayImage{small, 100, 101, 100}, {INVALID_IMAGE});        // truncated
  ExpectRejected(GrayImage{small, 100, 100, 99}, {INVALID_IMAGE});         // stride < width
  ExpectRejected(GrayImage{small, 30000, 30000, 30000}, {INVALID_IMAGE});  // absurd size
  ExpectRejected(GrayImage{small, -5, 100, 100}, {INVALID_IMAGE});
}

TEST_F(BadInputTest, UniformPages) {
  const cv::Mat black(2339, 1654, CV_8UC1, cv::Scalar(0));
  ExpectRejected(View(black), {NOT_A_BALLOT_PAGE});
  const cv::Mat white(2339, 1654, CV_8UC1, cv::Scalar(255));
  ExpectRejected(View(white), {NOT_A_BALLOT_PAGE});
  const cv::Mat tiny(40, 30, CV_8UC1, cv::Scalar(200));
  ExpectRejected(View(tiny), {NOT_A_BALLOT_PAGE});
}

TEST_F(BadInputTest, RandomNoiseAndPhotoLikeImages) {
  cv::Mat noise(2339, 1654, CV_8UC1);
  cv::theRNG().state = 99;
  cv::randu(noise, 0, 256);
  ExpectRejected(View(noise), {NOT_A_BALLOT_PAGE, REGISTRATION_FAILED, NO_BARCODE});
  // Smooth blobs of every size and gray level, like a photograph.
  cv::Mat photo(1600, 1200, CV_8UC1, cv::Scalar(128));
  cv::RNG rng(2024);
  for (int i = 0; i < 400; ++i) {
    cv::circle(photo, cv::Point(rng.uniform(0, 1200), rng.uniform(0, 1600)), rng.uniform(5, 150),
               cv::Scalar(rng.uniform(0, 256)), cv::FILLED);
  }
  cv::GaussianBlur(photo, photo, cv::Size(0, 0), 3);
  ExpectRejected(View(photo), {NOT_A_BALLOT_PAGE, REGISTRATION_FAILED, NO_BARCODE});
}

// Styles may place their registration marks differently: each distinct layout is tried, and the
// style the barcode names is read with its own marks.
TEST(InterpreterLayoutTest, ReadsAStyleWhoseMarksArePlacedDifferently) {
  Election election = testing::LoadFixtureElection("fixtures/elections/single-mandate-2021.json");
  BallotStyle& second = *election.mutable_ballot_styles(1);
  for (Fiducial& f : *second.mutable_fiducials()) {
    f.mutable_center()->set_x_mm(f.center().x_mm() < 105 ? 14 : 196);
    f.mutable_center()->set_y_mm(f.center().y_mm() < 148 ? 8 : 283);
  }
  absl::StatusOr<Interpreter> interpreter = Interpreter::Create(election);
  ASSERT_TRUE(interpreter.ok()) << interpreter.status();
  SyntheticBallot b;
  b.barcode_text = BarcodeText(election, second.id(), second.precinct_ids(0), false);
  b.marks[second.targets(1).option_id()] = SyntheticMark::kFilled;
  const cv::Mat image = DrawBallot(second, b);
  const Interpretation in = interpreter->Interpret(View(image));
  ASSERT_TRUE(in.accepted()) << in.detail();
  EXPECT_EQ(in.identity().style_id(), second.id());
  ASSERT_EQ(in.contests_size(), 1);
  ASSERT_EQ(in.contests(0).selections_size(), 1);
  EXPECT_EQ(in.contests(0).selections(0), second.targets(1).option_id());
  EXPECT_LT(in.registration_residual_px(), 1.5);
}

}  // namespace
}  // namespace esep::vision
