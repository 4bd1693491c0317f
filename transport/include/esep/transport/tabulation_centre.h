#ifndef ESEP_TRANSPORT_TABULATION_CENTRE_H_
#define ESEP_TRANSPORT_TABULATION_CENTRE_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "absl/status/statusor.h"
#include "esep/proto/election.h"
#include "esep/proto/election.pb.h"
#include "esep/proto/signed.pb.h"
#include "esep/transport/key_store.h"
#include "esep/transport/protocol_review.h"
#include "esep/transport/signing.h"
#include "esep/transport/tabulation_store.h"

namespace esep::transport {

// The largest serialized SignedProtocol the centre reads; a real one is a few kilobytes.
inline constexpr std::size_t kMaxSignedProtocolBytes = 256 * 1024;

// Who is at the other end of the mutual-TLS connection, as the server's handshake saw it.
struct PeerIdentity {
  std::string certificate_sha256;  // see CertificateFingerprint(); empty without a certificate
  std::string common_name;
};

// The tabulation centre's acceptance of one signed protocol, in a fixed order: size bound,
// signature (before the protocol is parsed), the reader registered for the precinct with this
// key and this TLS certificate, the election and its hash, every blocking control relation,
// status and revision, the precinct's bounds (ProtocolBounds: a number the precinct cannot have
// is refused, OUT_OF_RANGE), and last the store's history (replay, conflict, correction). Every
// refusal is recorded as an alarm and logged before it is answered; an accepted protocol is
// answered with a receipt signed by the centre's key once it is durable. A protocol that breaks
// an impossible relation is stored held for review, with an alarm, and answered with a
// RECEIPT_HELD_FOR_REVIEW receipt so that the reader stops sending it; it is never counted.
class TabulationCentre {
 public:
  using Log = std::function<void(std::string_view line)>;

  // `store` must outlive the centre. `log` receives one line per alarm (stderr when empty).
  TabulationCentre(Election election, SigningKey key, TabulationStore* store, Log log = {});
  // The same, signing receipts with `signer` (a token key, docs/install.md).
  TabulationCentre(Election election, std::unique_ptr<Signer> signer, TabulationStore* store,
                   Log log = {});

  // `bytes` is a serialized SignedProtocol as it came off the wire; `done` runs once the outcome
  // is durable, possibly on another thread.
  void IngestBytes(std::string bytes, PeerIdentity peer, ReceiptCallback done);
  absl::StatusOr<Receipt> IngestBytes(std::string bytes, const PeerIdentity& peer);
  absl::StatusOr<Receipt> Ingest(const SignedProtocol& signed_protocol, const PeerIdentity& peer);

  // `stored` runs (on the store's committer thread) after each protocol is durably stored,
  // counted or held: the public results site republishes then. Set it before ingesting.
  void OnStored(std::function<void()> stored) { on_stored_ = std::move(stored); }

  // The centre's public key, which readers are configured with to check receipts.
  std::string public_key() const { return signer_->public_key(); }
  const Signer& signer() const { return *signer_; }
  const Election& election() const { return election_; }

 private:
  // The checks that need no store history; the submission to append when all pass.
  absl::StatusOr<Submission> Admit(const std::string& bytes, const PeerIdentity& peer,
                                   Alarm& alarm);
  void Refuse(Alarm alarm, absl::Status reason, const PeerIdentity& peer, ReceiptCallback done);

  Election election_;
  std::string election_hash_;
  ElectionIndex index_;  // of election_: each protocol is checked in constant time
  std::unordered_set<std::string> precinct_ids_;
  ProtocolBounds bounds_;
  std::unique_ptr<Signer> signer_;
  TabulationStore* store_;
  Log log_;
  std::function<void()> on_stored_;
};

}  // namespace esep::transport

#endif  // ESEP_TRANSPORT_TABULATION_CENTRE_H_
