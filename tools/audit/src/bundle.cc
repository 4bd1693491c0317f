#include "esep/audit/bundle.h"

#include <algorithm>
#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "esep/audit/json.h"
#include "esep/audit/nist.h"
#include "esep/audit/store_reader.h"
#include "esep/proto/calibration.pb.h"
#include "esep/proto/election.h"
#include "esep/proto/sha256.h"
#include "esep/vision/interpreter.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "google/protobuf/util/json_util.h"

namespace esep::audit {
namespace {

namespace fs = std::filesystem;

std::string StringField(const google::protobuf::Value& object, const std::string& key) {
  const auto& fields = object.struct_value().fields();
  const auto it = fields.find(key);
  return it == fields.end() ? "" : it->second.string_value();
}

std::string BundleInfoJson(const BundleInfo& info) {
  return absl::StrCat("{\n  \"format\": ", JsonString(kBundleFormat),
                      ",\n  \"precinct_id\": ", JsonString(info.precinct_id),
                      ",\n  \"election_id\": ", JsonString(info.election_id),
                      ",\n  \"election_hash\": ", JsonString(info.election_hash),
                      ",\n  \"reader_serial\": ", JsonString(info.reader_serial),
                      ",\n  \"software_version\": ", JsonString(info.software_version),
                      ",\n  \"interpreter_version\": ", JsonString(info.interpreter_version),
                      ",\n  \"thresholds_source\": ", JsonString(info.thresholds_source),
                      ",\n  \"generated\": ", JsonString(info.generated_utc), "\n}\n");
}

template <typename Message>
absl::Status WriteDelimited(const fs::path& path, const std::vector<Message>& messages) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    for (const Message& m : messages) {
      coded.WriteVarint32(static_cast<std::uint32_t>(m.ByteSizeLong()));
      m.SerializeWithCachedSizes(&coded);
    }
  }
  return WriteFileBytes(path.string(), bytes);
}

template <typename Message>
absl::StatusOr<std::vector<Message>> ReadDelimited(const fs::path& path, const std::string& what) {
  absl::StatusOr<std::string> bytes = ReadFileBytes(path.string());
  if (!bytes.ok()) return bytes.status();
  google::protobuf::io::ArrayInputStream stream(bytes->data(), static_cast<int>(bytes->size()));
  std::vector<Message> messages;
  for (;;) {
    Message m;
    bool clean_eof = false;
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&m, &stream, &clean_eof)) {
      if (clean_eof) return messages;
      return absl::DataLossError(absl::StrCat("bundle: ", what, " ", path.string(),
                                              " is unreadable after entry ", messages.size()));
    }
    messages.push_back(std::move(m));
  }
}

// Every regular file under `directory`, as relative paths with '/' separators, sorted.
std::vector<std::string> FilesUnder(const fs::path& directory) {
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(directory, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file())
      files.push_back(fs::relative(it->path(), directory).generic_string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

absl::StatusOr<std::string> FileSha256(const fs::path& path) {
  absl::StatusOr<std::string> bytes = ReadFileBytes(path.string());
  if (!bytes.ok()) return bytes.status();
  return ToHex(Sha256(*bytes));
}

}  // namespace

std::string SoftwareVersion() { return absl::StrCat("esep ", ESEP_VERSION); }

absl::Status WriteRecords(const fs::path& path, const std::vector<CastVoteRecord>& records) {
  return WriteDelimited(path, records);
}

absl::Status WriteEvents(const fs::path& path, const std::vector<LogEvent>& events) {
  return WriteDelimited(path, events);
}

fs::path Bundle::ImagePath(const std::string& sha256_hex) const {
  return directory / kImagesDirectory / (sha256_hex + ".png");
}

bool IsBundle(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path / kManifestFile, ec);
}

absl::Status WriteManifest(const fs::path& directory) {
  std::string json = absl::StrCat("{\n  \"format\": ", JsonString(kBundleFormat),
                                  ",\n  \"algorithm\": \"sha-256\",\n  \"files\": {");
  bool first = true;
  for (const std::string& file : FilesUnder(directory)) {
    if (file == kManifestFile) continue;
    absl::StatusOr<std::string> sha = FileSha256(directory / file);
    if (!sha.ok()) return sha.status();
    absl::StrAppend(&json, first ? "\n" : ",\n", "    ", JsonString(file), ": ", JsonString(*sha));
    first = false;
  }
  json += "\n  }\n}\n";
  return WriteFileBytes((directory / kManifestFile).string(), json);
}

absl::StatusOr<ExportSummary> ExportBundle(const ExportOptions& options, const fs::path& out) {
  absl::StatusOr<StoreContents> store = ReadStore(options.data_directory);
  if (!store.ok()) return store.status();
  absl::StatusOr<std::string> election_bytes = ReadFileBytes(options.election_file.string());
  if (!election_bytes.ok()) return election_bytes.status();
  absl::StatusOr<Election> election = ParseElectionJson(*election_bytes);
  if (!election.ok()) return election.status();
  const std::string election_hash = ElectionHash(*election);
  if (store->settings["election_hash"] != election_hash) {
    return absl::FailedPreconditionError(
        absl::StrCat("the tally store counted election ", store->settings["election_hash"],
                     ", but ", options.election_file.string(), " is election ", election_hash,
                     ": give the definition the reader counted with"));
  }

  ExportSummary summary;
  BundleInfo info;
  info.election_id = election->id();
  info.election_hash = election_hash;
  info.reader_serial = store->settings["reader_serial"];
  info.software_version = SoftwareVersion();
  info.interpreter_version = vision::kInterpreterVersion;
  info.generated_utc = options.generated_utc;
  info.precinct_id = options.precinct_id;
  std::set<std::string> precincts;
  for (const CastVoteRecord& r : store->records) {
    if (!r.test()) precincts.insert(r.precinct_id());
  }
  if (info.precinct_id.empty()) {
    if (precincts.size() != 1) {
      return absl::InvalidArgumentError(
          precincts.empty() ? "the store holds no live ballots to name the precinct: give "
                              "--precinct"
                            : "the store holds ballots of several precincts: give --precinct");
    }
    info.precinct_id = *precincts.begin();
  }
  if (FindPrecinct(*election, info.precinct_id) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("precinct ", info.precinct_id, " is not in election ", election->id()));
  }

  std::string calibration_json;
  std::optional<std::string> profile_bytes = store->current_calibration_profile;
  std::string profile_source = "the store's current calibration profile";
  if (options.calibration_file) {
    absl::StatusOr<std::string> bytes = ReadFileBytes(options.calibration_file->string());
    if (!bytes.ok()) return bytes.status();
    profile_bytes = *bytes;
    profile_source = options.calibration_file->string();
  }
  if (profile_bytes) {
    CalibrationProfile profile;
    if (!profile.ParseFromString(*profile_bytes) || profile.format_version() == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(profile_source, " is not a calibration profile (esep calibrate --out)"));
    }
    google::protobuf::util::JsonPrintOptions print;
    print.add_whitespace = true;
    print.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(profile, &calibration_json, print);
    info.thresholds_source = "calibration profile";
  } else {
    google::protobuf::util::JsonPrintOptions print;
    print.add_whitespace = true;
    print.always_print_primitive_fields = true;
    print.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(election->mark_thresholds(),
                                                      &calibration_json, print);
    info.thresholds_source = "election definition";
    summary.notes.push_back(
        "no calibration profile given: the bundle carries the election's thresholds");
  }

  std::optional<std::string> protocol_bytes;
  const fs::path protocol_path =
      options.protocol_file.value_or(options.data_directory / kProtocolFile);
  std::error_code ec;
  if (fs::is_regular_file(protocol_path, ec)) {
    absl::StatusOr<std::string> bytes = ReadFileBytes(protocol_path.string());
    if (!bytes.ok()) return bytes.status();
    SignedProtocol parsed;
    if (!parsed.ParseFromString(*bytes)) {
      return absl::DataLossError(
          absl::StrCat(protocol_path.string(), " is not a signed precinct protocol"));
    }
    protocol_bytes = *bytes;
  } else if (options.protocol_file) {
    return absl::NotFoundError(absl::StrCat("no signed protocol at ", protocol_path.string()));
  } else if (store->latest_signed_protocol) {
    SignedProtocol parsed;
    if (!parsed.ParseFromString(*store->latest_signed_protocol)) {
      return absl::DataLossError("the store's final protocol is not a signed precinct protocol");
    }
    protocol_bytes = *store->latest_signed_protocol;
  } else {
    summary.notes.push_back(
        "no signed protocol in the store: the bundle cannot prove the published numbers");
  }

  if (fs::exists(out, ec) && !fs::is_empty(out, ec)) {
    return absl::AlreadyExistsError(
        absl::StrCat(out.string(), " is not empty: give a new directory for the bundle"));
  }
  fs::create_directories(out / kImagesDirectory, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", out.string(), ": ", ec.message()));
  }

  const auto write = [&](const char* name, std::string_view bytes) {
    return WriteFileBytes((out / name).string(), bytes);
  };
  const NistReportInfo nist{info.reader_serial, info.precinct_id, info.generated_utc};
  for (absl::Status s :
       {write(kBundleInfoFile, BundleInfoJson(info)), write(kElectionFile, *election_bytes),
        write(kCalibrationFile, calibration_json), WriteRecords(out / kRecordsFile, store->records),
        WriteEvents(out / kEventsFile, store->events),
        write(kCvrJsonFile, CastVoteRecordReportJson(*election, store->records, nist)),
        write(kEventLogJsonFile, EventLogJson(*election, store->events, nist))}) {
    if (!s.ok()) return s;
  }
  if (protocol_bytes) {
    if (absl::Status s = write(kProtocolFile, *protocol_bytes); !s.ok()) return s;
    SignedProtocol signed_protocol;
    signed_protocol.ParseFromString(*protocol_bytes);
    PrecinctProtocol protocol;
    absl::StatusOr<std::string> results =
        protocol.ParseFromString(signed_protocol.protocol())
            ? PrecinctResultsNist1500_100(*election, protocol)
            : absl::StatusOr<std::string>(absl::DataLossError("protocol unreadable"));
    if (results.ok()) {
      if (absl::Status s = write(kResultsJsonFile, *results); !s.ok()) return s;
    } else {
      summary.notes.push_back(absl::StrCat("precinct results in NIST SP 1500-100 not written: ",
                                           results.status().message()));
    }
  }
  for (const std::string& sha : store->image_hashes) {
    fs::copy_file(options.data_directory / kImagesDirectory / sha,
                  out / kImagesDirectory / (sha + ".png"), ec);
    if (ec) {
      return absl::DataLossError(
          absl::StrCat("cannot copy ballot image ", sha, ": ", ec.message()));
    }
  }
  if (absl::Status s = WriteManifest(out); !s.ok()) return s;
  summary.records = store->records.size();
  summary.images = store->image_hashes.size();
  summary.events = store->events.size();
  summary.protocol = protocol_bytes.has_value();
  return summary;
}

absl::StatusOr<Bundle> ReadBundle(const fs::path& directory) {
  if (!IsBundle(directory)) {
    return absl::NotFoundError(
        absl::StrCat(directory.string(), " is not an export bundle (no ", kManifestFile, ")"));
  }
  Bundle bundle;
  bundle.directory = directory;

  absl::StatusOr<std::string> manifest_text = ReadFileBytes((directory / kManifestFile).string());
  if (!manifest_text.ok()) return manifest_text.status();
  absl::StatusOr<google::protobuf::Value> manifest = ParseJson(*manifest_text);
  if (!manifest.ok()) {
    return absl::DataLossError(absl::StrCat("bundle manifest: ", manifest.status().message()));
  }
  const auto& top = manifest->struct_value().fields();
  if (const auto it = top.find("files"); it != top.end()) {
    for (const auto& [file, sha] : it->second.struct_value().fields()) {
      bundle.manifest[file] = sha.string_value();
    }
  }

  absl::StatusOr<std::string> info_text = ReadFileBytes((directory / kBundleInfoFile).string());
  if (!info_text.ok()) return info_text.status();
  absl::StatusOr<google::protobuf::Value> info = ParseJson(*info_text);
  if (!info.ok())
    return absl::DataLossError(absl::StrCat("bundle.json: ", info.status().message()));
  bundle.info = {StringField(*info, "precinct_id"),       StringField(*info, "election_id"),
                 StringField(*info, "election_hash"),     StringField(*info, "reader_serial"),
                 StringField(*info, "software_version"),  StringField(*info, "interpreter_version"),
                 StringField(*info, "thresholds_source"), StringField(*info, "generated")};

  absl::StatusOr<Election> election = LoadElectionFile((directory / kElectionFile).string());
  if (!election.ok()) return election.status();
  bundle.election = *std::move(election);

  absl::StatusOr<std::string> calibration = ReadFileBytes((directory / kCalibrationFile).string());
  if (!calibration.ok()) return calibration.status();
  // The reader's calibration profile, whose recommended thresholds the reader used; without one
  // the election's own thresholds.
  CalibrationProfile profile;
  if (google::protobuf::util::JsonStringToMessage(*calibration, &profile).ok() &&
      profile.format_version() != 0) {
    bundle.thresholds = profile.recommended_thresholds();
  } else if (!google::protobuf::util::JsonStringToMessage(*calibration, &bundle.thresholds).ok()) {
    return absl::DataLossError("bundle: calibration.json is not a calibration profile");
  }

  absl::StatusOr<std::vector<CastVoteRecord>> records =
      ReadDelimited<CastVoteRecord>(directory / kRecordsFile, "cast-vote records");
  if (!records.ok()) return records.status();
  bundle.records = *std::move(records);
  absl::StatusOr<std::vector<LogEvent>> events =
      ReadDelimited<LogEvent>(directory / kEventsFile, "event log");
  if (!events.ok()) return events.status();
  bundle.events = *std::move(events);

  std::error_code ec;
  if (fs::is_regular_file(directory / kProtocolFile, ec)) {
    absl::StatusOr<std::string> bytes = ReadFileBytes((directory / kProtocolFile).string());
    if (!bytes.ok()) return bytes.status();
    SignedProtocol protocol;
    if (!protocol.ParseFromString(*bytes)) {
      return absl::DataLossError("bundle: protocol.signed.pb is not a signed precinct protocol");
    }
    bundle.protocol = std::move(protocol);
  }
  for (const auto& entry : fs::directory_iterator(directory / kImagesDirectory, ec)) {
    const fs::path& p = entry.path();
    if (entry.is_regular_file() && p.extension() == ".png") {
      bundle.image_hashes.push_back(p.stem().string());
    }
  }
  std::sort(bundle.image_hashes.begin(), bundle.image_hashes.end());
  return bundle;
}

std::vector<Discrepancy> CheckManifest(const Bundle& bundle) {
  std::vector<Discrepancy> found;
  std::set<std::string> present;
  for (const std::string& file : FilesUnder(bundle.directory)) {
    if (file == kManifestFile) continue;
    present.insert(file);
    if (!bundle.manifest.contains(file)) {
      found.push_back({"manifest", file, "the file is not listed in the manifest"});
    }
  }
  for (const auto& [file, sha] : bundle.manifest) {
    if (!present.contains(file)) {
      found.push_back({"manifest", file, "listed in the manifest, but missing"});
      continue;
    }
    absl::StatusOr<std::string> actual = FileSha256(bundle.directory / file);
    if (!actual.ok()) {
      found.push_back({"manifest", file, std::string(actual.status().message())});
    } else if (*actual != sha) {
      found.push_back(
          {"manifest", file, absl::StrCat("SHA-256 is ", *actual, ", the manifest says ", sha)});
    }
  }
  return found;
}

}  // namespace esep::audit
