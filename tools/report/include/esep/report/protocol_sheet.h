#ifndef ESEP_REPORT_PROTOCOL_SHEET_H_
#define ESEP_REPORT_PROTOCOL_SHEET_H_

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/proto/control.pb.h"
#include "esep/proto/election.pb.h"
#include "esep/proto/precinct_protocol.pb.h"
#include "esep/proto/signed.pb.h"

// The printed reports of a precinct: the results protocol the commission signs, with the signed
// protocol as QR codes that observers check with `esep verify` (docs/observer-qr.md), the zero
// report printed when the polls open, and any plain-text report. A4, labels in Kyrgyz, Russian
// and English, drawn by the same code as PDF and as raster pages.
namespace esep::report {

enum class SheetFormat { kPdf, kPng };

// QR error correction of the protocol's codes, on ZXing's 0-8 scale: M (15% of a code may be
// lost to a fold, a stain or a pen stroke on a sheet that passes through many hands).
inline constexpr int kProtocolQrEccLevel = 4;

// What was written: a PDF is one file; PNG pages are PATH, then PATH with "-2", "-3", ... before
// the extension.
struct WrittenSheet {
  std::vector<std::string> files;
  int pages = 0;
};

// The results protocol as grayscale pages (CV_8UC1, white = 255) at `dpi`: header (election,
// precinct, reader, revision, status, times to the second), lines L1-L11 and per contest L8, L9
// and each option's votes, the control relations (holds / broken), the records root hash, the
// event-log head hash, the commission's explanation, the signing key's id, the QR codes of
// `signed_protocol` with their part labels, and the box where the commission members sign. Without
// `signed_protocol` the sheet is a draft: marked DRAFT / ПРОЕКТ / ДОЛБООР on every page, with
// neither QR codes nor a signature box. With `replaced` (the revision a correction replaces), the
// sheet lists every number the correction changes, before and after.
absl::StatusOr<std::vector<cv::Mat>> RenderProtocolPages(
    const Election& election, const PrecinctProtocol& protocol,
    const SignedProtocol* signed_protocol, int dpi, const PrecinctProtocol* replaced = nullptr);

// The same sheet written to `path` as PDF or PNG.
absl::StatusOr<WrittenSheet> RenderProtocolSheet(const Election& election,
                                                 const PrecinctProtocol& protocol,
                                                 const SignedProtocol* signed_protocol,
                                                 SheetFormat format, int dpi,
                                                 const std::string& path,
                                                 const PrecinctProtocol* replaced = nullptr);

// The zero report printed when the polls open (VVSG 1.1.3-B): the machine's counters in
// `counters` (L6 and every option's votes, normally all zero; the time the polls opened in
// polls_opened_unix_seconds), a line saying whether every counter is zero, and the commission's
// signature box. With `copy_printed_unix_seconds` the sheet is a copy printed at that time, and
// says so under its heading.
absl::StatusOr<WrittenSheet> RenderZeroReportSheet(const Election& election,
                                                   const PrecinctProtocol& counters,
                                                   SheetFormat format, int dpi,
                                                   const std::string& path,
                                                   std::int64_t copy_printed_unix_seconds = 0);

// The logic-and-accuracy test report, as esepd judged the test (Precinct::LogicAndAccuracy):
// every option of the precinct's ballots with the count expected from the test deck and the
// count the reader found, the ballot kinds left untested, the verdict PASS / FAIL (or not
// complete), and the commission's signature box. Headings come from the catalogs of the domain
// esep; an error when they cannot be loaded.
absl::StatusOr<WrittenSheet> RenderLogicAndAccuracySheet(const Election& election,
                                                         const LogicAndAccuracyReport& report,
                                                         SheetFormat format, int dpi,
                                                         const std::string& path);

// What esepd answered, as the sheet a commission prints and signs: the logic-and-accuracy test
// sheet (given the election), the protocol sheet (with QR codes once signed; a correction with
// its changes; needs the election), or else the report's text, its first line the heading.
absl::StatusOr<WrittenSheet> RenderAnswer(const Election* election, const ControlResponse& answer,
                                          SheetFormat format, int dpi, const std::string& path);

// RenderAnswer as the bytes of a PDF. The box's screen prints it (esepd renders, the page never
// does).
absl::StatusOr<std::string> PdfOfAnswer(const Election& election, const ControlResponse& answer);

// Any plain-text report (e.g. the daemon's test report) under `title`, in a monospaced font,
// continued on as many pages as it needs.
absl::StatusOr<WrittenSheet> RenderTextReport(const std::string& title, const std::string& text,
                                              SheetFormat format, int dpi, const std::string& path);

// The protocol as plain text: the same lines and relations as the printed sheet, for a terminal.
// Names and control relations come from `election` when it is the protocol's own definition;
// otherwise (e.g. an empty Election) ids stand for names and no relation is checked.
std::string FormatProtocolText(const Election& election, const PrecinctProtocol& protocol);

// The protocol's numbers as one JSON object (lines by name, contests with options' votes, hashes).
std::string FormatProtocolJson(const PrecinctProtocol& protocol);

// `text` as a JSON string literal, quotes included.
std::string JsonString(const std::string& text);

}  // namespace esep::report

#endif  // ESEP_REPORT_PROTOCOL_SHEET_H_
