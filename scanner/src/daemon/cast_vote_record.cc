#include "esep/scanner/cast_vote_record.h"

namespace esep::scanner {

CastVoteRecord MakeCastVoteRecord(const RecordContext& context,
                                  const Interpretation& interpretation) {
  CastVoteRecord record;
  record.set_election_hash(context.election_hash);
  record.set_reader_serial(context.reader_serial);
  record.set_precinct_id(interpretation.identity().precinct_id());
  record.set_style_id(interpretation.identity().style_id());
  record.set_sheet(interpretation.identity().page());
  record.set_batch_id(context.batch_id);
  record.set_interpreter_version(interpretation.interpreter_version());
  *record.mutable_interpretation() = interpretation;
  record.set_test(context.test);
  record.set_cast_as_is(context.cast_as_is);
  record.set_image_sha256(context.image_sha256);
  if (!context.software.program().empty()) *record.mutable_software() = context.software;
  return record;
}

}  // namespace esep::scanner
