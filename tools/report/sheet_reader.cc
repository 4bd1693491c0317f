#include "esep/report/sheet_reader.h"

#include <ZXing/DecodeHints.h>
#include <ZXing/ReadBarcode.h>

#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <set>

#include "absl/strings/str_cat.h"
#include "esep/proto/election.h"
#include "esep/transport/qr_protocol.h"
#include "esep/transport/signing.h"

namespace esep::report {
namespace {

void Decode(const cv::Mat& view, ZXing::Binarizer binarizer, std::set<std::string>* found) {
  if (view.empty() || !view.isContinuous()) return;
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode);
  hints.setTryHarder(true);
  hints.setTryRotate(true);
  hints.setBinarizer(binarizer);
  const ZXing::ImageView zx(view.ptr<std::uint8_t>(0), view.cols, view.rows,
                            ZXing::ImageFormat::Lum, static_cast<int>(view.step[0]));
  for (const ZXing::Result& result : ZXing::ReadBarcodes(zx, hints)) {
    if (!result.isValid()) continue;
    const ZXing::ByteArray& bytes = result.bytes();
    std::string text(bytes.begin(), bytes.end());
    if (transport::LooksLikeQrPart(text)) found->insert(std::move(text));
  }
}

// True when every part that the parts found so far announce has been found.
bool Complete(const std::set<std::string>& found) {
  if (found.empty()) return false;
  std::set<std::pair<int, int>> have;
  int count = 0;
  for (const std::string& text : found) {
    absl::StatusOr<transport::QrPartHeader> header = transport::ParseQrPartHeader(text);
    if (!header.ok()) return false;
    have.insert({header->count, header->index});
    count = std::max(count, header->count);
  }
  for (int i = 1; i <= count; ++i) {
    if (!have.contains({count, i})) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> ReadQrPartTexts(const cv::Mat& gray) {
  std::set<std::string> found;
  if (gray.empty() || gray.type() != CV_8UC1) return {};
  const cv::Mat image = gray.isContinuous() ? gray : gray.clone();
  Decode(image, ZXing::Binarizer::LocalAverage, &found);
  // Retries, each only while a part is still missing: a global threshold for uneven light is the
  // cheapest; then Otsu after a light blur, against noise; then the image rescaled, larger when
  // modules are few pixels wide, smaller when a phone photo is huge and blurred.
  if (!Complete(found)) Decode(image, ZXing::Binarizer::GlobalHistogram, &found);
  if (!Complete(found)) {
    cv::Mat smooth, binary;
    cv::GaussianBlur(image, smooth, cv::Size(3, 3), 0);
    cv::threshold(smooth, binary, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
    Decode(binary, ZXing::Binarizer::BoolCast, &found);
  }
  const int side = std::max(image.cols, image.rows);
  for (const double scale : {2.0, 0.5}) {
    if (Complete(found)) break;
    if ((scale > 1 && side * scale > 8000) || (scale < 1 && side * scale < 600)) continue;
    cv::Mat resized;
    cv::resize(image, resized, cv::Size(), scale, scale,
               scale > 1 ? cv::INTER_CUBIC : cv::INTER_AREA);
    Decode(resized, ZXing::Binarizer::LocalAverage, &found);
    if (scale > 1 && !Complete(found)) {
      // Out of focus: an unsharp mask on the enlarged copy brings module edges back.
      cv::Mat soft, sharp;
      cv::GaussianBlur(resized, soft, cv::Size(0, 0), 3.0);
      cv::addWeighted(resized, 2.5, soft, -1.5, 0, sharp);
      Decode(sharp, ZXing::Binarizer::LocalAverage, &found);
    }
  }
  return {found.begin(), found.end()};
}

absl::StatusOr<VerifiedProtocol> VerifyQrParts(std::vector<std::string> texts,
                                               const VerifyOptions& options) {
  std::sort(texts.begin(), texts.end());
  texts.erase(std::unique(texts.begin(), texts.end()), texts.end());
  std::erase_if(texts, [](const std::string& t) { return !transport::LooksLikeQrPart(t); });
  if (texts.empty()) {
    return absl::NotFoundError(
        "no Esep protocol QR code was read: photograph the whole code, flat, sharp and well lit");
  }
  absl::StatusOr<SignedProtocol> joined = transport::JoinQrParts(texts);
  if (!joined.ok()) return joined.status();
  VerifiedProtocol out;
  out.parts = static_cast<int>(texts.size());
  out.key_id = transport::KeyId(joined->signer_public_key());
  std::string key = options.public_key;
  if (key.empty()) {
    if (!options.trust_embedded_key) {
      return absl::FailedPreconditionError(absl::StrCat(
          "no published key was given: the sheet is signed with key ", out.key_id,
          "; pass the reader's published key (--key KEY.pub), or --trust-embedded-key to check "
          "only that the sheet was not changed after it was signed by whoever holds that key"));
    }
    key = joined->signer_public_key();
    out.embedded_key_trusted = true;
  } else if (transport::KeyId(key) != out.key_id) {
    return absl::PermissionDeniedError(absl::StrCat("the protocol is signed with key ", out.key_id,
                                                    ", not with the published key ",
                                                    transport::KeyId(key)));
  }
  absl::StatusOr<PrecinctProtocol> protocol = transport::VerifyProtocol(*joined, key);
  if (!protocol.ok()) return protocol.status();
  out.protocol = *std::move(protocol);
  if (options.election != nullptr) {
    const Election& election = *options.election;
    if (out.protocol.election_id() != election.id() ||
        out.protocol.election_hash() != ElectionHash(election)) {
      return absl::FailedPreconditionError(
          absl::StrCat("the protocol is of election ", out.protocol.election_id(), " (hash ",
                       out.protocol.election_hash(), "), not of the definition given (",
                       election.id(), ", hash ", ElectionHash(election), ")"));
    }
    out.checks = CheckProtocol(out.protocol, election, std::nullopt);
  }
  return out;
}

}  // namespace esep::report
