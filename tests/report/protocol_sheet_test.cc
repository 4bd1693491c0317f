// The printed protocol read back as an observer does: rendered, photographed (simulated), its QR
// codes read, joined and verified to the same numbers.
#include "esep/report/protocol_sheet.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "../transport/sample_protocols.h"
#include "esep/proto/election.h"
#include "esep/render/degrade.h"
#include "esep/report/sheet_reader.h"
#include "esep/transport/signing.h"
#include "google/protobuf/util/message_differencer.h"

namespace esep::report {
namespace {

namespace fs = std::filesystem;
using google::protobuf::util::MessageDifferencer;

class ProtocolSheetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Election> e = LoadElectionFile("fixtures/elections/party-list-2021.json");
    ASSERT_TRUE(e.ok()) << e.status();
    election_ = *e;
    protocol_ = testing::ConsistentProtocol(election_, "1001", 11);
    signed_ = transport::SignProtocol(protocol_, key_);
    dir_ = fs::temp_directory_path() / ("esep-report-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> ReadAll(const std::vector<cv::Mat>& pages) {
    std::vector<std::string> texts;
    for (const cv::Mat& page : pages) {
      for (std::string& t : ReadQrPartTexts(page)) texts.push_back(std::move(t));
    }
    return texts;
  }

  Election election_;
  PrecinctProtocol protocol_;
  transport::SigningKey key_ = transport::SigningKey::Generate();
  SignedProtocol signed_;
  fs::path dir_;
};

// A phone photo of a page: tilted, slightly in perspective, blurred, noisy, dimmer, JPEG.
cv::Mat Photograph(const cv::Mat& page, std::uint64_t seed) {
  const float w = static_cast<float>(page.cols), h = static_cast<float>(page.rows);
  const std::vector<cv::Point2f> from = {{0, 0}, {w, 0}, {w, h}, {0, h}};
  const std::vector<cv::Point2f> to = {
      {w * 0.03f, h * 0.01f}, {w * 0.98f, 0}, {w, h * 0.99f}, {0, h * 0.97f}};
  cv::Mat warped;
  cv::warpPerspective(page, warped, cv::getPerspectiveTransform(from, to), page.size(),
                      cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(255));
  DegradeSpec spec;
  spec.set_rotation_deg(3.5);
  spec.set_blur_sigma_px(1.2);
  spec.set_noise_sigma(10);
  spec.set_contrast(0.7);
  spec.set_jpeg_quality(75);
  EXPECT_TRUE(render::Degrade(warped, spec, 200, seed).ok());
  return warped;
}

TEST_F(ProtocolSheetTest, PhotographedSheetVerifiesToTheExactNumbers) {
  absl::StatusOr<std::vector<cv::Mat>> pages =
      RenderProtocolPages(election_, protocol_, &signed_, 200);
  ASSERT_TRUE(pages.ok()) << pages.status();
  std::vector<cv::Mat> photos;
  for (std::size_t i = 0; i < pages->size(); ++i) photos.push_back(Photograph((*pages)[i], i));
  const std::vector<std::string> texts = ReadAll(photos);
  ASSERT_GE(texts.size(), 2u);
  absl::StatusOr<VerifiedProtocol> verified =
      VerifyQrParts(texts, {key_.public_key(), false, &election_});
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(MessageDifferencer::Equals(verified->protocol, protocol_));
  EXPECT_TRUE(ProtocolMayBeFinal(verified->checks)) << DescribeBrokenRelations(verified->checks);
  EXPECT_EQ(verified->key_id, transport::KeyId(key_.public_key()));
}

TEST_F(ProtocolSheetTest, CodesOpenTheResultsSiteAndStillVerifyFromAPhoto) {
  election_.set_results_site_url("https://results.example.kg/");
  protocol_ = testing::ConsistentProtocol(election_, "1001", 12);
  signed_ = transport::SignProtocol(protocol_, key_);
  absl::StatusOr<std::vector<cv::Mat>> pages =
      RenderProtocolPages(election_, protocol_, &signed_, 200);
  ASSERT_TRUE(pages.ok()) << pages.status();
  std::vector<cv::Mat> photos;
  for (std::size_t i = 0; i < pages->size(); ++i) photos.push_back(Photograph((*pages)[i], i));
  const std::vector<std::string> texts = ReadAll(photos);
  ASSERT_GE(texts.size(), 2u);
  for (const std::string& t : texts) {
    EXPECT_TRUE(t.starts_with("https://results.example.kg/verify/#ESEP2:")) << t;
  }
  absl::StatusOr<VerifiedProtocol> verified =
      VerifyQrParts(texts, {key_.public_key(), false, &election_});
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(MessageDifferencer::Equals(verified->protocol, protocol_));
}

TEST_F(ProtocolSheetTest, RefusesWithoutThePublishedKeyUnlessTheEmbeddedOneIsTrusted) {
  const std::vector<std::string> texts =
      ReadAll(*RenderProtocolPages(election_, protocol_, &signed_, 150));
  EXPECT_EQ(VerifyQrParts(texts, {}).status().code(), absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<VerifiedProtocol> trusted = VerifyQrParts(texts, {"", true, nullptr});
  ASSERT_TRUE(trusted.ok()) << trusted.status();
  EXPECT_TRUE(trusted->embedded_key_trusted);
  const transport::SigningKey other = transport::SigningKey::Generate();
  EXPECT_EQ(VerifyQrParts(texts, {other.public_key(), false, nullptr}).status().code(),
            absl::StatusCode::kPermissionDenied);
  absl::StatusOr<Election> referendum = LoadElectionFile("fixtures/elections/referendum-2021.json");
  ASSERT_TRUE(referendum.ok());
  EXPECT_FALSE(VerifyQrParts(texts, {key_.public_key(), false, &*referendum}).ok());
}

TEST_F(ProtocolSheetTest, UnsignedSheetCarriesNoCodes) {
  absl::StatusOr<std::vector<cv::Mat>> pages =
      RenderProtocolPages(election_, protocol_, nullptr, 150);
  ASSERT_TRUE(pages.ok()) << pages.status();
  EXPECT_TRUE(ReadAll(*pages).empty());
}

// The text of a PDF, as pdftotext (poppler-utils, tools/deps.sh) extracts it.
std::string PdfText(const fs::path& pdf) {
  const fs::path txt = fs::path(pdf).replace_extension(".txt");
  const std::string command = "pdftotext -enc UTF-8 '" + pdf.string() + "' '" + txt.string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(txt);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST_F(ProtocolSheetTest, DraftIsMarkedAndHasNoSignatureBoxWhileTheFinalHasOne) {
  protocol_.set_commission_explanation("Бир бюллетень резервден берилди / reserve ballot issued");
  const fs::path draft_pdf = dir_ / "draft.pdf";
  ASSERT_TRUE(
      RenderProtocolSheet(election_, protocol_, nullptr, SheetFormat::kPdf, 150, draft_pdf.string())
          .ok());
  const std::string draft = PdfText(draft_pdf);
  EXPECT_NE(draft.find("ДОЛБООР / ПРОЕКТ / DRAFT"), std::string::npos) << draft;
  EXPECT_EQ(draft.find("Signatures of the commission"), std::string::npos) << draft;
  EXPECT_EQ(draft.find("QR codes for observers"), std::string::npos) << draft;
  EXPECT_NE(draft.find("reserve ballot issued"), std::string::npos) << draft;

  const SignedProtocol signed_protocol = transport::SignProtocol(protocol_, key_);
  const fs::path final_pdf = dir_ / "final.pdf";
  ASSERT_TRUE(RenderProtocolSheet(election_, protocol_, &signed_protocol, SheetFormat::kPdf, 150,
                                  final_pdf.string())
                  .ok());
  const std::string final_text = PdfText(final_pdf);
  EXPECT_EQ(final_text.find("DRAFT"), std::string::npos) << final_text;
  EXPECT_NE(final_text.find("Signatures of the commission"), std::string::npos) << final_text;
  EXPECT_NE(final_text.find("reserve ballot issued"), std::string::npos) << final_text;
}

TEST_F(ProtocolSheetTest, EachBallotKindsProtocolSaysWhichKindItCounts) {
  absl::StatusOr<Election> november = LoadElectionFile("fixtures/elections/november-2021.json");
  ASSERT_TRUE(november.ok()) << november.status();
  for (const BallotKind& kind : november->ballot_kinds()) {
    PrecinctProtocol p = testing::ConsistentProtocol(*november, "1001", 5);
    p.set_ballot_kind(kind.id());
    const SignedProtocol signed_protocol = transport::SignProtocol(p, key_);
    const fs::path pdf = dir_ / (kind.id() + ".pdf");
    ASSERT_TRUE(
        RenderProtocolSheet(*november, p, &signed_protocol, SheetFormat::kPdf, 150, pdf.string())
            .ok());
    const std::string text = PdfText(pdf);
    EXPECT_NE(text.find("Вид бюллетеня / Ballot kind"), std::string::npos) << text;
    EXPECT_NE(
        text.find(absl::StrCat(kind.name().ky(), " / ", kind.name().ru(), " [", kind.id(), "]")),
        std::string::npos)
        << text;
  }
  // A day with one ballot per voter prints no kind.
  const fs::path single = dir_ / "single.pdf";
  ASSERT_TRUE(
      RenderProtocolSheet(election_, protocol_, nullptr, SheetFormat::kPdf, 150, single.string())
          .ok());
  EXPECT_EQ(PdfText(single).find("Ballot kind"), std::string::npos);
}

int PdfPageCount(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  int pages = 0;
  for (std::size_t at = bytes.find("/Type /Page"); at != std::string::npos;
       at = bytes.find("/Type /Page", at + 1)) {
    if (bytes.compare(at, 12, "/Type /Pages") != 0) ++pages;
  }
  return pages;
}

TEST_F(ProtocolSheetTest, PdfHasAsManyPagesAsTheRasterSheet) {
  absl::StatusOr<Election> referendum = LoadElectionFile("fixtures/elections/referendum-2021.json");
  ASSERT_TRUE(referendum.ok());
  const PrecinctProtocol small = testing::ConsistentProtocol(*referendum, "1001", 3);
  const SignedProtocol small_signed = transport::SignProtocol(small, key_);
  int pages_small = 0, pages_large = 0;
  using Case = std::tuple<const Election*, const PrecinctProtocol*, const SignedProtocol*, int*>;
  for (const auto& [election, protocol, signed_protocol, pages] :
       {Case{&*referendum, &small, &small_signed, &pages_small},
        Case{&election_, &protocol_, &signed_, &pages_large}}) {
    const std::string pdf = (dir_ / "protocol.pdf").string();
    absl::StatusOr<WrittenSheet> written =
        RenderProtocolSheet(*election, *protocol, signed_protocol, SheetFormat::kPdf, 200, pdf);
    ASSERT_TRUE(written.ok()) << written.status();
    EXPECT_GT(fs::file_size(pdf), 1000u);
    EXPECT_EQ(PdfPageCount(pdf), written->pages);
    EXPECT_EQ(RenderProtocolPages(*election, *protocol, signed_protocol, 100)->size(),
              static_cast<std::size_t>(written->pages));
    *pages = written->pages;
  }
  EXPECT_GE(pages_large, pages_small);
}

TEST_F(ProtocolSheetTest, PngPagesAreNumberedFiles) {
  absl::StatusOr<WrittenSheet> written = RenderProtocolSheet(
      election_, protocol_, &signed_, SheetFormat::kPng, 100, (dir_ / "p.png").string());
  ASSERT_TRUE(written.ok()) << written.status();
  ASSERT_EQ(written->files.size(), static_cast<std::size_t>(written->pages));
  for (const std::string& file : written->files) EXPECT_TRUE(fs::exists(file)) << file;
  if (written->pages > 1) {
    EXPECT_EQ(fs::path(written->files[1]).filename(), "p-2.png");
  }
}

TEST_F(ProtocolSheetTest, ZeroReportAndTextReportArePrinted) {
  PrecinctProtocol zero = protocol_;
  zero.set_ballots_in_stationary_box(0);
  for (ContestResult& r : *zero.mutable_contests()) {
    for (OptionVotes& o : *r.mutable_options()) o.set_votes(0);
  }
  const std::string zero_pdf = (dir_ / "zero.pdf").string();
  absl::StatusOr<WrittenSheet> z =
      RenderZeroReportSheet(election_, zero, SheetFormat::kPdf, 200, zero_pdf);
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(PdfPageCount(zero_pdf), z->pages);

  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "строка / line " + std::to_string(i) + "\n";
  const std::string text_pdf = (dir_ / "text.pdf").string();
  absl::StatusOr<WrittenSheet> t =
      RenderTextReport("Test report", long_text, SheetFormat::kPdf, 200, text_pdf);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_GT(t->pages, 1);
  EXPECT_EQ(PdfPageCount(text_pdf), t->pages);
}

// The box's screen prints what esepd answered as the sheet esepd renders.
TEST_F(ProtocolSheetTest, AnAnswerIsPrintedAsItsPdfSheet) {
  ControlResponse answer;
  answer.set_protocol(protocol_.SerializeAsString());
  absl::StatusOr<std::string> pdf = PdfOfAnswer(election_, answer);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  EXPECT_EQ(pdf->substr(0, 5), "%PDF-");
  const std::string path = (dir_ / "answer.pdf").string();
  std::ofstream(path, std::ios::binary) << *pdf;
  EXPECT_EQ(PdfPageCount(path), 2);

  ControlResponse text;
  text.set_report("TITLE\nline one\nline two\n");
  pdf = PdfOfAnswer(election_, text);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  EXPECT_EQ(pdf->substr(0, 5), "%PDF-");
  EXPECT_EQ(PdfOfAnswer(election_, ControlResponse()).status().code(),
            absl::StatusCode::kFailedPrecondition);

  // The opening's counters print as the zero report sheet, a copy as one that says so; counters
  // that cannot be read are an error, never a sheet.
  PrecinctProtocol zero = protocol_;
  zero.set_ballots_in_stationary_box(0);
  for (ContestResult& r : *zero.mutable_contests()) {
    for (OptionVotes& o : *r.mutable_options()) o.set_votes(0);
  }
  ControlResponse opening;
  opening.set_report("ZERO REPORT: polls opened\n");
  opening.set_zero_counters(zero.SerializeAsString());
  ControlResponse copy = opening;
  copy.set_zero_report_copy_unix_seconds(zero.polls_opened_unix_seconds() + 3600);
  absl::StatusOr<std::string> opening_pdf = PdfOfAnswer(election_, opening);
  absl::StatusOr<std::string> copy_pdf = PdfOfAnswer(election_, copy);
  ASSERT_TRUE(opening_pdf.ok()) << opening_pdf.status();
  ASSERT_TRUE(copy_pdf.ok()) << copy_pdf.status();
  EXPECT_EQ(opening_pdf->substr(0, 5), "%PDF-");
  EXPECT_EQ(*PdfOfAnswer(election_, opening), *opening_pdf) << "the same sheet prints the same";
  EXPECT_NE(*copy_pdf, *opening_pdf) << "a copy is marked as one";
  ControlResponse unreadable = opening;
  unreadable.set_zero_counters(std::string(40, '\xff'));
  EXPECT_EQ(PdfOfAnswer(election_, unreadable).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(ProtocolSheetTest, TextAndJsonCarryEveryNumber) {
  const std::string text = FormatProtocolText(election_, protocol_);
  const std::string json = FormatProtocolJson(protocol_);
  for (const OptionVotes& o : protocol_.contests(0).options()) {
    EXPECT_NE(
        json.find("\"option_id\":\"" + o.option_id() + "\",\"votes\":" + std::to_string(o.votes())),
        std::string::npos);
  }
  EXPECT_NE(text.find(std::to_string(protocol_.voters_on_list())), std::string::npos);
  EXPECT_EQ(text.find("BROKEN"), std::string::npos);
}

TEST_F(ProtocolSheetTest, RefusesAnUnusableResolution) {
  EXPECT_FALSE(RenderProtocolPages(election_, protocol_, &signed_, 20).ok());
}

}  // namespace
}  // namespace esep::report
