#include "esep/audit/bundle.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "esep/audit/json.h"
#include "esep/audit/nist.h"
#include "esep/audit/store_reader.h"
#include "esep/proto/election.h"
#include "esep/proto/sha256.h"
#include "esep/proto/software_identity.h"
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

template <typename Message>
std::string DelimitedBytes(const std::vector<Message>& messages) {
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
  return bytes;
}

template <typename Message>
absl::StatusOr<std::vector<Message>> ParseDelimited(const std::string& bytes,
                                                    const std::string& what) {
  google::protobuf::io::ArrayInputStream stream(bytes.data(), static_cast<int>(bytes.size()));
  std::vector<Message> messages;
  for (;;) {
    Message m;
    bool clean_eof = false;
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&m, &stream, &clean_eof)) {
      if (clean_eof) return messages;
      return absl::DataLossError(
          absl::StrCat("bundle: ", what, " is unreadable after entry ", messages.size()));
    }
    messages.push_back(std::move(m));
  }
}

// The JSON files of a bundle are small; one larger than this is refused unread.
constexpr std::uint64_t kMaxJsonFileBytes = std::uint64_t{64} << 20;

// Reads a JSON file of the bundle, refusing one nested too deeply before any parser sees it.
absl::StatusOr<std::string> ReadJsonPart(const fs::path& directory, const char* name) {
  absl::StatusOr<std::string> text = ReadFileInside(directory, name, kMaxJsonFileBytes);
  if (!text.ok()) return text.status();
  if (absl::Status depth = CheckJsonDepth(*text); !depth.ok()) {
    return absl::DataLossError(absl::StrCat("bundle: ", name, ": ", depth.message()));
  }
  return text;
}

// The regular files of a directory the exporter wrote (relative names), sorted.
absl::StatusOr<std::vector<std::string>> FilesOf(const fs::path& directory) {
  absl::StatusOr<std::vector<DirectoryEntry>> entries = ListInside(directory);
  if (!entries.ok()) return entries.status();
  std::vector<std::string> files;
  for (const DirectoryEntry& entry : *entries) {
    if (entry.kind == EntryKind::kFile) {
      files.push_back(entry.name);
    } else if (entry.kind != EntryKind::kDirectory) {
      return absl::FailedPreconditionError(
          absl::StrCat(PrintableName((directory / entry.name).string()),
                       " is not a regular file: a bundle holds only files"));
    }
  }
  return files;
}

google::protobuf::util::JsonPrintOptions BundleJsonOptions() {
  google::protobuf::util::JsonPrintOptions print;
  print.add_whitespace = true;
  print.preserve_proto_field_names = true;
  return print;
}

}  // namespace

std::string SoftwareVersion() { return SoftwareLine(ThisSoftware("esep")); }

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

std::string ManifestJson(const std::map<std::string, std::string>& files) {
  std::string json = absl::StrCat("{\n  \"format\": ", JsonString(kBundleFormat),
                                  ",\n  \"algorithm\": \"sha-256\",\n  \"files\": {");
  bool first = true;
  for (const auto& [file, sha] : files) {
    absl::StrAppend(&json, first ? "\n" : ",\n", "    ", JsonString(file), ": ", JsonString(sha));
    first = false;
  }
  json += "\n  }\n}\n";
  return json;
}

std::string CalibrationProfileJson(const CalibrationProfile& profile) {
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(profile, &json, BundleJsonOptions());
  return json;
}

std::string ThresholdsJson(const MarkThresholds& thresholds) {
  google::protobuf::util::JsonPrintOptions print = BundleJsonOptions();
  print.always_print_primitive_fields = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(thresholds, &json, print);
  return json;
}

bool IsBundlePart(std::string_view name) {
  for (const char* part : {kBundleInfoFile, kElectionFile, kCalibrationFile,
                           kCalibrationProfileFile, kRecordsFile, kEventsFile, kProtocolFile,
                           kProtocolsFile, kCvrJsonFile, kEventLogJsonFile, kResultsJsonFile}) {
    if (name == part) return true;
  }
  const std::string_view prefix = "images/";
  const std::string_view suffix = ".png";
  return name.size() == prefix.size() + 64 + suffix.size() && name.starts_with(prefix) &&
         name.ends_with(suffix) && IsSha256Hex(name.substr(prefix.size(), 64));
}

absl::Status WriteRecords(const fs::path& path, const std::vector<CastVoteRecord>& records) {
  return WriteFileBytes(path.string(), DelimitedBytes(records));
}

absl::Status WriteEvents(const fs::path& path, const std::vector<LogEvent>& events) {
  return WriteFileBytes(path.string(), DelimitedBytes(events));
}

fs::path Bundle::ImagePath(const std::string& sha256_hex) const {
  return directory / kImagesDirectory / (sha256_hex + ".png");
}

FileInDirectory Bundle::Image(const std::string& sha256_hex) const {
  return {directory, absl::StrCat(kImagesDirectory, "/", sha256_hex, ".png")};
}

bool IsBundle(const fs::path& path) { return KindInside(path, kManifestFile).ok(); }

absl::Status WriteManifest(const fs::path& directory) {
  absl::StatusOr<std::vector<std::string>> files = FilesOf(directory);
  if (!files.ok()) return files.status();
  std::map<std::string, std::string> hashes;
  for (const std::string& file : *files) {
    if (file == kManifestFile) continue;
    absl::StatusOr<std::string> bytes = ReadFileInside(directory, file);
    if (!bytes.ok()) return bytes.status();
    hashes[file] = ToHex(Sha256(*bytes));
  }
  return WriteFileInside(directory, kManifestFile, ManifestJson(hashes));
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
  std::string calibration_profile;  // serialized as the daemon hashes it when it loads it
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
    calibration_json = CalibrationProfileJson(profile);
    calibration_profile = profile.SerializeAsString();
    info.thresholds_source = "calibration profile";
  } else {
    calibration_json = ThresholdsJson(election->mark_thresholds());
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

  std::vector<SignedProtocol> revisions;
  for (const std::string& bytes : store->signed_protocols) {
    SignedProtocol parsed;
    if (!parsed.ParseFromString(bytes)) {
      return absl::DataLossError(absl::StrCat("protocol revision ", revisions.size() + 1,
                                              " in the store is not a signed precinct protocol"));
    }
    revisions.push_back(std::move(parsed));
  }

  if (fs::exists(out, ec) && !fs::is_empty(out, ec)) {
    return absl::AlreadyExistsError(
        absl::StrCat(out.string(), " is not empty: give a new directory for the bundle"));
  }
  fs::create_directories(out, ec);
  if (absl::Status s = ec ? absl::PermissionDeniedError(
                                absl::StrCat("cannot create ", out.string(), ": ", ec.message()))
                          : MakeDirectoryInside(out, kImagesDirectory);
      !s.ok()) {
    return s;
  }

  const auto write = [&](const char* name, std::string_view bytes) {
    return WriteFileInside(out, name, bytes);
  };
  const NistReportInfo nist{info.reader_serial, info.precinct_id, info.generated_utc};
  for (absl::Status s :
       {write(kBundleInfoFile, BundleInfoJson(info)), write(kElectionFile, *election_bytes),
        write(kCalibrationFile, calibration_json),
        write(kRecordsFile, DelimitedBytes(store->records)),
        write(kEventsFile, DelimitedBytes(store->events)),
        write(kCvrJsonFile, CastVoteRecordReportJson(*election, store->records, nist)),
        write(kEventLogJsonFile, EventLogJson(*election, store->events, nist))}) {
    if (!s.ok()) return s;
  }
  if (!revisions.empty()) {
    if (absl::Status s = write(kProtocolsFile, DelimitedBytes(revisions)); !s.ok()) return s;
  }
  if (!calibration_profile.empty()) {
    if (absl::Status s = write(kCalibrationProfileFile, calibration_profile); !s.ok()) return s;
  }
  if (protocol_bytes) {
    if (absl::Status s = write(kProtocolFile, *protocol_bytes); !s.ok()) return s;
    SignedProtocol signed_protocol;
    signed_protocol.ParseFromString(*protocol_bytes);
    PrecinctProtocol protocol;
    absl::StatusOr<std::string> results =
        protocol.ParseFromString(signed_protocol.protocol())
            ? PrecinctResultsNist1500_100(*election, protocol, info.generated_utc)
            : absl::StatusOr<std::string>(absl::DataLossError("protocol unreadable"));
    if (results.ok()) {
      if (absl::Status s = write(kResultsJsonFile, *results); !s.ok()) return s;
    } else {
      summary.notes.push_back(absl::StrCat("precinct results in NIST SP 1500-100 not written: ",
                                           results.status().message()));
    }
  }
  std::size_t copied = 0;
  for (const std::string& sha : store->image_hashes) {
    // Copied only when the stored file is what its name says: a bundle never carries an image
    // under another image's hash.
    absl::StatusOr<std::string> image =
        ReadFileInside(options.data_directory, absl::StrCat(kImagesDirectory, "/", sha));
    if (image.ok() && ToHex(Sha256(*image)) != sha) {
      image = absl::DataLossError("its content does not match its hash");
    }
    if (!image.ok()) {
      return absl::DataLossError(
          absl::StrCat("cannot copy ballot image ", sha, ": ", image.status().message()));
    }
    if (absl::Status s =
            WriteFileInside(out, absl::StrCat(kImagesDirectory, "/", sha, ".png"), *image);
        !s.ok()) {
      return s;
    }
    if (options.progress) options.progress(++copied, store->image_hashes.size());
  }
  if (absl::Status s = WriteManifest(out); !s.ok()) return s;
  summary.records = store->records.size();
  summary.images = store->image_hashes.size();
  summary.events = store->events.size();
  summary.protocol = protocol_bytes.has_value();
  summary.protocol_revisions = revisions.size();
  return summary;
}

absl::StatusOr<Bundle> ReadBundle(const fs::path& directory) {
  if (!IsBundle(directory)) {
    return absl::NotFoundError(
        absl::StrCat(directory.string(), " is not an export bundle (no ", kManifestFile, ")"));
  }
  Bundle bundle;
  bundle.directory = directory;

  absl::StatusOr<std::string> manifest_text = ReadJsonPart(directory, kManifestFile);
  if (!manifest_text.ok()) return manifest_text.status();
  absl::StatusOr<google::protobuf::Value> manifest = ParseJson(*manifest_text);
  if (!manifest.ok()) {
    return absl::DataLossError(absl::StrCat("bundle manifest: ", manifest.status().message()));
  }
  if (StringField(*manifest, "format") != kBundleFormat) {
    return absl::DataLossError(absl::StrCat("bundle manifest: the format is not ", kBundleFormat));
  }
  const auto& top = manifest->struct_value().fields();
  if (const auto it = top.find("files"); it != top.end()) {
    for (const auto& [file, sha] : it->second.struct_value().fields()) {
      if (absl::Status name = CheckBundleName(file); !name.ok()) {
        return absl::DataLossError(absl::StrCat("bundle manifest: ", name.message()));
      }
      if (!IsSha256Hex(sha.string_value())) {
        return absl::DataLossError(absl::StrCat("bundle manifest: the hash of ", file,
                                                " is not a SHA-256 in hexadecimal"));
      }
      bundle.manifest[file] = sha.string_value();
    }
  }

  absl::StatusOr<std::string> info_text = ReadJsonPart(directory, kBundleInfoFile);
  if (!info_text.ok()) return info_text.status();
  absl::StatusOr<google::protobuf::Value> info = ParseJson(*info_text);
  if (!info.ok())
    return absl::DataLossError(absl::StrCat("bundle.json: ", info.status().message()));
  bundle.info = {StringField(*info, "precinct_id"),       StringField(*info, "election_id"),
                 StringField(*info, "election_hash"),     StringField(*info, "reader_serial"),
                 StringField(*info, "software_version"),  StringField(*info, "interpreter_version"),
                 StringField(*info, "thresholds_source"), StringField(*info, "generated")};

  absl::StatusOr<std::string> election_text = ReadJsonPart(directory, kElectionFile);
  if (!election_text.ok()) return election_text.status();
  absl::StatusOr<Election> election = ParseElectionJson(*election_text);
  if (!election.ok()) {
    return absl::Status(election.status().code(),
                        absl::StrCat("bundle: ", kElectionFile, ": ", election.status().message()));
  }
  bundle.election = *std::move(election);

  absl::StatusOr<std::string> calibration = ReadJsonPart(directory, kCalibrationFile);
  if (!calibration.ok()) return calibration.status();
  // The reader's calibration profile, whose recommended thresholds the reader used (from
  // calibration.pb when the bundle has it, the bytes the reader hashed); without one the
  // election's own thresholds.
  CalibrationProfile profile;
  absl::StatusOr<EntryKind> profile_kind = KindInside(directory, kCalibrationProfileFile);
  if (profile_kind.ok()) {
    absl::StatusOr<std::string> bytes = ReadFileInside(directory, kCalibrationProfileFile);
    if (!bytes.ok()) return bytes.status();
    if (!profile.ParseFromString(*bytes) || profile.format_version() == 0) {
      return absl::DataLossError("bundle: calibration.pb is not a calibration profile");
    }
    bundle.thresholds = profile.recommended_thresholds();
  } else if (!absl::IsNotFound(profile_kind.status())) {
    return profile_kind.status();
  } else if (google::protobuf::util::JsonStringToMessage(*calibration, &profile).ok() &&
             profile.format_version() != 0) {
    bundle.thresholds = profile.recommended_thresholds();
  } else if (!google::protobuf::util::JsonStringToMessage(*calibration, &bundle.thresholds).ok()) {
    return absl::DataLossError("bundle: calibration.json is not a calibration profile");
  }

  absl::StatusOr<std::string> records_bytes = ReadFileInside(directory, kRecordsFile);
  if (!records_bytes.ok()) return records_bytes.status();
  absl::StatusOr<std::vector<CastVoteRecord>> records =
      ParseDelimited<CastVoteRecord>(*records_bytes, "cast-vote records (records.pb)");
  if (!records.ok()) return records.status();
  bundle.records = *std::move(records);
  // Record ids name overlay files and image hashes name image files: both are names.
  for (std::size_t i = 0; i < bundle.records.size(); ++i) {
    const CastVoteRecord& r = bundle.records[i];
    if (absl::Status name = CheckBundleFileName(r.record_id()); !name.ok()) {
      return absl::DataLossError(
          absl::StrCat("bundle: cast-vote record ", i + 1, ": the record id: ", name.message()));
    }
    if (!IsSha256Hex(r.image_sha256())) {
      return absl::DataLossError(absl::StrCat("bundle: cast-vote record ", r.record_id(),
                                              ": its image hash is not a SHA-256 in hexadecimal"));
    }
  }
  absl::StatusOr<std::string> events_bytes = ReadFileInside(directory, kEventsFile);
  if (!events_bytes.ok()) return events_bytes.status();
  absl::StatusOr<std::vector<LogEvent>> events =
      ParseDelimited<LogEvent>(*events_bytes, "event log (events.pb)");
  if (!events.ok()) return events.status();
  bundle.events = *std::move(events);

  absl::StatusOr<EntryKind> protocol_kind = KindInside(directory, kProtocolFile);
  if (!protocol_kind.ok() && !absl::IsNotFound(protocol_kind.status())) {
    return protocol_kind.status();
  }
  if (protocol_kind.ok()) {
    absl::StatusOr<std::string> bytes = ReadFileInside(directory, kProtocolFile);
    if (!bytes.ok()) return bytes.status();
    SignedProtocol protocol;
    if (!protocol.ParseFromString(*bytes)) {
      return absl::DataLossError("bundle: protocol.signed.pb is not a signed precinct protocol");
    }
    bundle.protocol = std::move(protocol);
  }
  absl::StatusOr<EntryKind> protocols_kind = KindInside(directory, kProtocolsFile);
  if (!protocols_kind.ok() && !absl::IsNotFound(protocols_kind.status())) {
    return protocols_kind.status();
  }
  if (protocols_kind.ok()) {
    absl::StatusOr<std::string> bytes = ReadFileInside(directory, kProtocolsFile);
    if (!bytes.ok()) return bytes.status();
    absl::StatusOr<std::vector<SignedProtocol>> revisions =
        ParseDelimited<SignedProtocol>(*bytes, "protocol revisions (protocols.signed.pb)");
    if (!revisions.ok()) return revisions.status();
    bundle.protocols = *std::move(revisions);
  }
  absl::StatusOr<std::vector<DirectoryEntry>> entries = ListInside(directory, 1);
  if (!entries.ok()) return entries.status();
  for (const DirectoryEntry& entry : *entries) {
    if (entry.kind == EntryKind::kFile && entry.name.starts_with("images/") &&
        IsBundlePart(entry.name)) {
      bundle.image_hashes.push_back(entry.name.substr(7, 64));
    }
  }
  return bundle;
}

std::vector<Discrepancy> CheckManifest(const Bundle& bundle) {
  std::vector<Discrepancy> found;
  absl::StatusOr<std::vector<DirectoryEntry>> entries = ListInside(bundle.directory);
  if (!entries.ok()) {
    found.push_back({"manifest", ".", std::string(entries.status().message())});
    return found;
  }
  std::set<std::string> present;
  for (const DirectoryEntry& entry : *entries) {
    if (entry.name == kManifestFile) continue;
    const std::string shown = PrintableName(entry.name);
    if (absl::Status name = CheckBundleName(entry.name); !name.ok()) {
      found.push_back({"manifest", shown, std::string(name.message())});
    } else if (entry.kind == EntryKind::kSymlink) {
      found.push_back(
          {"manifest", shown, "a symbolic link: not followed, not allowed in a bundle"});
    } else if (entry.kind == EntryKind::kOther) {
      found.push_back({"manifest", shown, "not a regular file"});
    } else if (entry.kind == EntryKind::kDirectory) {
      if (entry.name != kImagesDirectory) {
        found.push_back({"manifest", shown, "a directory that is not part of a bundle"});
      }
    } else {
      present.insert(entry.name);
      if (!bundle.manifest.contains(entry.name)) {
        found.push_back({"manifest", shown, "the file is not listed in the manifest"});
      }
    }
  }
  for (const auto& [file, sha] : bundle.manifest) {
    if (!present.contains(file)) {
      found.push_back({"manifest", file, "listed in the manifest, but missing"});
      continue;
    }
    absl::StatusOr<std::string> bytes = ReadFileInside(bundle.directory, file);
    if (!bytes.ok()) {
      found.push_back({"manifest", file, std::string(bytes.status().message())});
    } else if (const std::string actual = ToHex(Sha256(*bytes)); actual != sha) {
      found.push_back(
          {"manifest", file, absl::StrCat("SHA-256 is ", actual, ", the manifest says ", sha)});
    }
  }
  absl::StatusOr<std::string> manifest = ReadFileInside(bundle.directory, kManifestFile);
  if (manifest.ok() && *manifest != ManifestJson(bundle.manifest)) {
    found.push_back({"manifest", kManifestFile,
                     "holds more than its list of files, or is not in the form esep export "
                     "writes"});
  }
  return found;
}

}  // namespace esep::audit
