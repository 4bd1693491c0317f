#include "esep/transport/tabulation_centre.h"

#include <future>
#include <iostream>
#include <mutex>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "esep/proto/election.h"
#include "esep/proto/protocol_checks.h"
#include "esep/proto/sha256.h"
#include "esep/proto/utc_time.h"

namespace esep::transport {
namespace {

void LogToStderr(std::string_view line) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::cerr << line << std::endl;
}

std::string Describe(const PeerIdentity& peer) {
  if (peer.certificate_sha256.empty()) return "a connection without a client certificate";
  return absl::StrCat("certificate CN=", peer.common_name, " (sha256 ",
                      peer.certificate_sha256.substr(0, 16), "...)");
}

}  // namespace

TabulationCentre::TabulationCentre(Election election, SigningKey key, TabulationStore* store,
                                   Log log)
    : TabulationCentre(std::move(election), MakeFileSigner(std::move(key), ""), store,
                       std::move(log)) {}

TabulationCentre::TabulationCentre(Election election, std::unique_ptr<Signer> signer,
                                   TabulationStore* store, Log log)
    : election_(std::move(election)),
      election_hash_(ElectionHash(election_)),
      index_(election_, election_hash_),
      precinct_ids_([this] {
        std::unordered_set<std::string> ids;
        for (const Precinct& precinct : election_.precincts()) ids.insert(precinct.id());
        return ids;
      }()),
      bounds_(election_),
      signer_(std::move(signer)),
      store_(store),
      log_(log ? std::move(log) : Log(LogToStderr)) {}

absl::StatusOr<Submission> TabulationCentre::Admit(const std::string& bytes,
                                                   const PeerIdentity& peer, Alarm& alarm) {
  if (bytes.size() > kMaxSignedProtocolBytes) {
    return absl::InvalidArgumentError(absl::StrCat("the submission is ", bytes.size(),
                                                   " bytes, above the limit of ",
                                                   kMaxSignedProtocolBytes));
  }
  SignedProtocol signed_protocol;
  if (!signed_protocol.ParseFromString(bytes)) {
    return absl::InvalidArgumentError(
        "the submission is not a SignedProtocol message: its bytes are malformed");
  }
  alarm.protocol_sha256 = ToHex(Sha256(signed_protocol.protocol()));

  // The signature first, against the key the envelope names; only then is the protocol parsed.
  absl::StatusOr<PrecinctProtocol> protocol = VerifyProtocol(signed_protocol, "");
  if (!protocol.ok()) {
    if (absl::IsDataLoss(protocol.status())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the signed bytes are not a PrecinctProtocol message: ", protocol.status().message()));
    }
    return protocol.status();
  }
  alarm.precinct_id = protocol->precinct_id();
  alarm.reader_serial = protocol->reader_serial();

  absl::StatusOr<std::vector<RegisteredReader>> readers =
      store_->ReadersOf(protocol->precinct_id());
  if (!readers.ok()) return readers.status();
  const RegisteredReader* reader = nullptr;
  for (const RegisteredReader& candidate : *readers) {
    if (candidate.public_key == signed_protocol.signer_public_key()) reader = &candidate;
  }
  if (reader == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat("the signing key ", KeyId(signed_protocol.signer_public_key()),
                     " is not registered for precinct \"", protocol->precinct_id(), "\""));
  }
  if (reader->reader_serial != protocol->reader_serial()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the protocol names reader \"", protocol->reader_serial(), "\" but key ",
        KeyId(reader->public_key), " is registered as reader ", reader->reader_serial));
  }
  if (reader->revoked()) {
    return absl::PermissionDeniedError(
        absl::StrCat("reader ", reader->reader_serial, " of precinct ", reader->precinct_id,
                     " was revoked at ", UtcText(reader->revoked_unix_seconds), " (",
                     reader->revocation_reason, "): its protocols are refused"));
  }
  if (peer.certificate_sha256.empty() || reader->certificate_sha256 != peer.certificate_sha256) {
    return absl::PermissionDeniedError(
        absl::StrCat("reader ", reader->reader_serial, " of precinct ", reader->precinct_id,
                     " must connect with its registered TLS certificate (sha256 ",
                     reader->certificate_sha256.substr(0, 16), "...), not with ", Describe(peer)));
  }

  if (protocol->election_id() != election_.id() || protocol->election_hash() != election_hash_) {
    return absl::InvalidArgumentError(
        absl::StrCat("the protocol is for election \"", protocol->election_id(), "\" with hash ",
                     protocol->election_hash().substr(0, 16), "..., but this centre tabulates \"",
                     election_.id(), "\" with hash ", election_hash_.substr(0, 16), "..."));
  }
  if (!precinct_ids_.contains(protocol->precinct_id())) {
    return absl::InvalidArgumentError(absl::StrCat("precinct \"", protocol->precinct_id(),
                                                   "\" is not in the election definition"));
  }

  const std::vector<ProtocolCheck> checks = CheckProtocol(*protocol, index_, std::nullopt);
  if (!ProtocolMayBeFinal(checks)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "control relations of precinct ", protocol->precinct_id(),
        " do not hold: ", absl::StripTrailingAsciiWhitespace(DescribeBrokenRelations(checks))));
  }

  if (protocol->status() != FINAL && protocol->status() != CORRECTION) {
    return absl::InvalidArgumentError(
        absl::StrCat("the protocol's status is ", ProtocolStatus_Name(protocol->status()),
                     ": only FINAL and CORRECTION protocols are transmitted"));
  }
  if (protocol->revision() < 1) {
    return absl::InvalidArgumentError("the protocol's revision must be 1 or higher");
  }

  const ProtocolReview review = bounds_.Review(*protocol);
  if (review.verdict == ReviewVerdict::kRefuse) {
    return absl::OutOfRangeError(absl::StrCat("revision ", protocol->revision(), " of precinct ",
                                              protocol->precinct_id(), " carries ", review.reason,
                                              ". It is refused and not stored."));
  }

  Submission submission;
  submission.election_id = protocol->election_id();
  submission.precinct_id = protocol->precinct_id();
  submission.reader_serial = protocol->reader_serial();
  submission.revision = protocol->revision();
  submission.status = protocol->status();
  submission.ballot_kind = protocol->ballot_kind();
  submission.signed_protocol = bytes;
  submission.protocol_sha256 = alarm.protocol_sha256;
  if (review.verdict == ReviewVerdict::kHold) submission.held_reason = review.reason;
  submission.flagged_reason = review.flag;
  return submission;
}

void TabulationCentre::Refuse(Alarm alarm, absl::Status reason, const PeerIdentity& peer,
                              ReceiptCallback done) {
  alarm.code = absl::StatusCodeToString(reason.code());
  alarm.reason = absl::StrCat(reason.message(), " [from ", Describe(peer), "]");
  log_(absl::StrCat("ALARM ", alarm.code, " precinct=", alarm.precinct_id,
                    " reader=", alarm.reader_serial, ": ", alarm.reason));
  store_->RecordAlarm(std::move(alarm), [reason = std::move(reason),
                                         done = std::move(done)](absl::Status recorded) {
    if (!recorded.ok()) {
      done(absl::UnavailableError(absl::StrCat(
          reason.message(), " (and the alarm could not be recorded: ", recorded.message(), ")")));
      return;
    }
    done(reason);
  });
}

void TabulationCentre::IngestBytes(std::string bytes, PeerIdentity peer, ReceiptCallback done) {
  Alarm alarm;
  absl::StatusOr<Submission> submission = Admit(bytes, peer, alarm);
  if (absl::IsUnavailable(submission.status())) {
    // The store could not be read (its database restarting or failing over): the centre's
    // trouble, not the reader's, so no alarm; the reader sends the protocol again.
    log_(absl::StrCat("store unavailable, precinct=", alarm.precinct_id,
                      " not checked: ", submission.status().message()));
    done(absl::UnavailableError(absl::StrCat("the centre cannot read its store; send it again: ",
                                             submission.status().message())));
    return;
  }
  if (!submission.ok()) {
    Refuse(std::move(alarm), submission.status(), peer, std::move(done));
    return;
  }
  const std::string held_reason = submission->held_reason;
  const std::string flagged_reason = submission->flagged_reason;
  store_->Append(
      *std::move(submission),
      [this](const ReceiptBody& body) { return SignReceipt(body, *signer_); },
      [this, alarm, held_reason, flagged_reason, peer = std::move(peer),
       done = std::move(done)](absl::StatusOr<Receipt> receipt) {
        // The store has already recorded the alarm of a refusal from history or of a protocol
        // held for review; log it here.
        if (!receipt.ok() && !absl::IsUnavailable(receipt.status())) {
          log_(absl::StrCat("ALARM ", absl::StatusCodeToString(receipt.status().code()),
                            " precinct=", alarm.precinct_id, " reader=", alarm.reader_serial, ": ",
                            receipt.status().message(), " [from ", Describe(peer), "]"));
        } else if (receipt.ok() && !held_reason.empty()) {
          log_(absl::StrCat("ALARM ", kHeldForReviewAlarm, " precinct=", alarm.precinct_id,
                            " reader=", alarm.reader_serial, ": stored and not counted: ",
                            held_reason, " [from ", Describe(peer), "]"));
        }
        if (receipt.ok() && !flagged_reason.empty()) {
          // Counted; the alarm asks a person at the centre to look at it. The reader gets its
          // receipt once the alarm is recorded.
          Alarm flagged = alarm;
          flagged.code = kFlaggedForReviewAlarm;
          flagged.reason =
              absl::StrCat("stored and counted: ", flagged_reason, " [from ", Describe(peer), "]");
          log_(absl::StrCat("ALARM ", kFlaggedForReviewAlarm, " precinct=", alarm.precinct_id,
                            " reader=", alarm.reader_serial, ": ", flagged.reason));
          store_->RecordAlarm(std::move(flagged), [this, receipt = std::move(receipt),
                                                   done](absl::Status recorded) mutable {
            if (!recorded.ok()) {
              log_(absl::StrCat("the flagged protocol's alarm could not be recorded: ",
                                recorded.message()));
            }
            // The publisher first: once the reader has its receipt the centre may be gone (a
            // synchronous IngestBytes returns, and its caller may destroy the centre).
            if (on_stored_) on_stored_();
            done(std::move(receipt));
          });
          return;
        }
        if (receipt.ok() && on_stored_) on_stored_();
        done(std::move(receipt));
      });
}

absl::StatusOr<Receipt> TabulationCentre::IngestBytes(std::string bytes, const PeerIdentity& peer) {
  std::promise<absl::StatusOr<Receipt>> promise;
  std::future<absl::StatusOr<Receipt>> future = promise.get_future();
  IngestBytes(std::move(bytes), peer, [&promise](absl::StatusOr<Receipt> receipt) {
    promise.set_value(std::move(receipt));
  });
  return future.get();
}

absl::StatusOr<Receipt> TabulationCentre::Ingest(const SignedProtocol& signed_protocol,
                                                 const PeerIdentity& peer) {
  return IngestBytes(signed_protocol.SerializeAsString(), peer);
}

}  // namespace esep::transport
