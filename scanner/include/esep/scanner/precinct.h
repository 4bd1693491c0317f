#ifndef ESEP_SCANNER_PRECINCT_H_
#define ESEP_SCANNER_PRECINCT_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "esep/proto/calibration.pb.h"
#include "esep/proto/control.pb.h"
#include "esep/proto/election.pb.h"
#include "esep/proto/precinct_protocol.pb.h"
#include "esep/proto/protocol_checks.h"
#include "esep/proto/signed.pb.h"
#include "esep/proto/software.pb.h"
#include "esep/scanner/ballot_flow.h"
#include "esep/scanner/ballot_store.h"
#include "esep/scanner/clock.h"
#include "esep/scanner/poll_state.h"
#include "esep/scanner/reader.h"
#include "esep/text/sentence.h"
#include "esep/vision/interpreter.h"

namespace esep::scanner {

// The reader at one precinct on election day: the poll state (persisted with the tally), the
// ballot flow, and the reports a commission prints. Every command the state does not allow is
// refused with a sentence the commission can act on. This is the daemon's core; esepd adds the
// control socket and the service manager around it.
// Signs a final protocol with the reader's key (esepd passes transport's Ed25519 signer); it may
// stamp what signs it (the software, where the key lives) into the
// protocol it signs, and the signed bytes are what is stored and sent.
using ProtocolSigner = std::function<absl::StatusOr<SignedProtocol>(const PrecinctProtocol&)>;

// A protocol as it would be made final now, with every control relation checked.
struct ProtocolDraft {
  PrecinctProtocol protocol;
  std::vector<ProtocolCheck> checks;
  std::string lines_sha256;  // hex sha256 of the stored lines the draft was made from
};

// The verdict of a logic-and-accuracy test as a sentence for the commission: a msgid of the
// domain esep, as esepd's test report, the console and the printed sheet say it.
const char* LogicAndAccuracyVerdictMsgid(LogicAndAccuracyReport::Verdict verdict);

class Precinct {
 public:
  struct Config {
    Election election;
    std::string precinct_id;
    std::filesystem::path data_directory;
    std::optional<MarkThresholds> thresholds;  // from the reader's calibration profile
    ProtocolSigner signer = nullptr;           // without one, protocols cannot be made final
    // A calibration profile to load: added to the reader's calibration history when it differs
    // from the current one. Without one, the current profile of the history is used.
    std::optional<CalibrationProfile> calibration = std::nullopt;
    // Refuse to open the polls unless the current profile is this reader's, passed, and fresh
    // (esepd sets it; unit tests of other parts leave it off).
    bool require_calibration = false;
    // A new tally store is made only when set (esepd: --new-reader); see BallotStore::Options.
    bool create_store = true;
    // The store's witness file (esepd: --witness); empty for none.
    std::filesystem::path witness = {};
    // What counts here and where the signing key lives, printed on every report (zero report,
    // test report, results): esepd gives its --version identity and its signer's description.
    SoftwareIdentity software = {};
    std::string signing_key = {};
  };

  // Opens the store, recovers unfinished sheets and settles unconfirmed drops with the reader.
  static absl::StatusOr<std::unique_ptr<Precinct>> Open(Config config, Reader& reader,
                                                        const Clock& clock);

  PollState state() const { return state_; }
  const Election& election() const { return config_.election; }
  const std::string& reader_serial() const { return reader_serial_; }
  const Recovery& recovery() const { return store_->recovery(); }
  const std::vector<std::int64_t>& reconciled() const { return reconciled_; }
  // The reader's current calibration profile (empty when it has none).
  const CalibrationProfile& calibration() const { return calibration_; }
  bool holding_for_voter() const { return flow_->holding_for_voter(); }
  // The tally store's first failure while reading ballots (OK while there was none): from then on
  // the reader takes no paper (BallotFlow::storage_fault()).
  const absl::Status& storage_fault() const { return flow_->storage_fault(); }

  absl::Status StartTest();
  absl::Status FinishTest();
  // Opens the polls when the live tally is zero and, on a day with several ballots per voter, the
  // logic-and-accuracy test read a test ballot of every kind; returns the zero report (VVSG
  // 1.1.3-B).
  absl::StatusOr<text::Lines> OpenPolls();
  absl::Status ClosePolls();
  // The zero report again, from the opening on (a copy for the commission to sign or post),
  // marked as a copy; as it was at the opening, whatever has been counted since.
  // `copy_printed_unix_seconds`: when the copy is printed, as it says.
  absl::StatusOr<text::Lines> ZeroReport(std::int64_t copy_printed_unix_seconds) const;
  // The precinct's clock, as its reports read it.
  std::int64_t NowUnixSeconds() const { return clock_.NowUnixSeconds(); }
  // The reader's counters at the opening, for the printed zero report sheet: the precinct's
  // contests with every option and the ballots counted at zero, and the opening's time.
  absl::StatusOr<PrecinctProtocol> ZeroCounters() const;

  // Reads the sheet waiting at the entry: a test ballot while testing, a live one while open.
  absl::StatusOr<SheetResult> FeedSheet();
  absl::StatusOr<SheetResult> VoterChoice(bool cast_as_is);
  // After the reader failed in the middle of a sheet (jam, double feed, lost drop): settles a
  // sheet decided to cast with the reader's count, in the journal first, and only then resets
  // the reader, so a sheet handed back is never later taken for one in the box. After a storage
  // fault nothing can be written: a sheet held in the reader goes back to the voter, uncounted,
  // and the fault is returned.
  absl::Status SettleAfterReaderFault();

  // Live ballots cast: the one number shown while the polls are open.
  absl::StatusOr<std::int64_t> BallotsCast() const;
  // The counts of the logic-and-accuracy test, printable only outside live voting.
  absl::StatusOr<text::Lines> TestReport() const;
  // The counts the commission expects from its test deck, before the polls open; replaces the
  // ones given before. Refused, naming the option, for an option not on the precinct's ballots.
  absl::Status SetTestExpectation(const TestExpectation& expectation);
  // The logic-and-accuracy test judged: every option of the precinct's ballots with its expected
  // and found votes, and the verdict (the one the screen, the console and the printed report
  // show). Refused while the polls are open (VVSG 1.1.9-K).
  absl::StatusOr<LogicAndAccuracyReport> LogicAndAccuracy() const;
  // The results, refused while the polls are open (VVSG 1.1.9-K).
  absl::StatusOr<text::Lines> ResultsReport() const;

  // The commission's protocol lines, once the polls are closed (again later, for a correction).
  // On a day with several ballots per voter the lines name their ballot kind, and each kind has
  // its own.
  // Lines that are refused also discard the lines entered before them: nothing the commission
  // did not confirm last can be made final.
  absl::Status EnterCommissionLines(const CommissionLines& lines);
  // The protocol of one ballot kind (empty in an election without kinds) from the live tally and
  // the entered lines of that kind, with its checks; not stored.
  absl::StatusOr<ProtocolDraft> DraftProtocol(const std::string& ballot_kind = "") const;
  // Checks every control relation, signs the protocol and queues it for the tabulation centre,
  // in one transaction with the poll state. Refused, naming the broken relation, when a blocking
  // relation fails, or a warning relation fails without the commission's written explanation.
  // A later call for the same kind makes a correction of that kind only. Revisions are numbered
  // across the kinds of the precinct (1, 2, 3, ...): the first protocol of a kind is FINAL, the
  // later ones of that kind CORRECTION.
  // With `confirmed_lines_sha256` (a draft's lines_sha256), refused unless the stored lines are
  // still exactly the ones the commission was shown.
  absl::StatusOr<StoredProtocol> FinalizeProtocol(
      const std::string& ballot_kind = "",
      std::optional<std::string> confirmed_lines_sha256 = std::nullopt);
  // Every final revision, oldest first.
  absl::StatusOr<std::vector<StoredProtocol>> Protocols() const;
  // The newest final revision of one ballot kind; NotFound when there is none.
  absl::StatusOr<StoredProtocol> LatestProtocol(const std::string& ballot_kind) const;
  // The final revision `protocol` replaces: for a correction (or a draft made after a final
  // protocol) the newest stored revision of its kind below its own; nullopt for a first protocol.
  absl::StatusOr<std::optional<PrecinctProtocol>> ReplacedProtocol(
      const PrecinctProtocol& protocol) const;
  // The oldest revision the centre has not acknowledged yet, if any.
  absl::StatusOr<std::optional<StoredProtocol>> NextUndelivered() const;
  // Stores the centre's (already verified) receipt for `revision`; the poll state becomes
  // "transmitted" once every revision is acknowledged.
  absl::Status RecordReceipt(std::uint32_t revision, const std::string& receipt);
  // The protocol in text, with its control relations, for the commission's printer.
  // With `replaced`, what a correction changes is listed.
  std::string ProtocolText(const PrecinctProtocol& protocol,
                           const std::vector<ProtocolCheck>& checks,
                           const PrecinctProtocol* replaced = nullptr) const;

  BallotStore& store() { return *store_; }

 private:
  // The ballot kinds of this precinct of which `test` (the test tally) holds no ballot.
  std::vector<const BallotKind*> UntestedKinds(const Tally& test) const;
  Precinct(Config config, const Clock& clock);
  absl::Status Apply(PollCommand command);
  absl::Status LoadCalibration();
  std::vector<Setting> StateSettings(PollState next) const;
  // The latest time stored for the polls' opening and close and the newest protocol.
  std::int64_t LatestStoredTime() const;
  // The time a step of the day is stored with: the clock, or the latest stored time when the
  // clock reads earlier (set back mid-day), so that a protocol's times never go backwards.
  std::int64_t StepTime() const;
  // Logs that the clock reads earlier than the latest stored time when moving to `next` stores a
  // time (the opening, the close, a protocol): the event log says why that time was kept.
  absl::Status LogClockBehind(PollState next);
  // A report's heading lines and counts, each line a sentence (text::Lines); `title` is a msgid.
  // `printed_unix_seconds`: the time the report says it was printed; now without one.
  text::Lines Report(const char* title, const Tally& tally,
                     std::optional<std::int64_t> printed_unix_seconds = std::nullopt) const;
  // The zero report of polls opened at that time.
  text::Lines ZeroReportLines(std::int64_t opened_unix_seconds) const;
  // When the polls opened, as the store recorded it; refused before the opening.
  absl::StatusOr<std::int64_t> OpeningTime() const;

  Config config_;
  const Clock& clock_;
  std::string election_hash_;
  std::string reader_serial_;
  std::unique_ptr<BallotStore> store_;
  std::optional<vision::Interpreter> live_;
  std::optional<vision::Interpreter> test_;
  std::unique_ptr<BallotFlow> flow_;
  PollState state_ = PollState::kSetup;
  std::vector<std::int64_t> reconciled_;
  CalibrationProfile calibration_;
  Reader* reader_ = nullptr;
};

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_PRECINCT_H_
