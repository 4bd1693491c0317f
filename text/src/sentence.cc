#include "esep/text/sentence.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace esep::text {
namespace {

// The payload's type URL and its layout: sentences separated by kSentenceEnd, each its fields
// separated by kSeparator: the msgid first, then per value its name, its text and "1" or "0" for
// translated.
constexpr char kPayloadType[] = "type.esep.org/esep.text.Sentence";
constexpr char kSeparator = '\x1f';
constexpr char kSentenceEnd = '\x1e';

std::string Value(const SentenceArg& arg, const Catalog* catalog, Language language) {
  if (!arg.translated || catalog == nullptr || language == Language::kEnglish) return arg.value;
  return catalog->Get(language, arg.value);
}

}  // namespace

std::string Say(const Sentence& sentence, const Catalog* catalog, Language language) {
  std::string text = catalog == nullptr || language == Language::kEnglish
                         ? sentence.msgid
                         : catalog->Get(language, sentence.msgid);
  std::vector<std::pair<std::string, std::string>> replacements;
  for (const SentenceArg& arg : sentence.args) {
    replacements.emplace_back(absl::StrCat("{", arg.name, "}"), Value(arg, catalog, language));
  }
  return absl::StrReplaceAll(text, replacements);
}

std::string Say(const std::vector<Sentence>& sentences, const Catalog* catalog, Language language) {
  std::string text;
  for (const Sentence& sentence : sentences) {
    absl::StrAppend(&text, text.empty() ? "" : "; ", Say(sentence, catalog, language));
  }
  return text;
}

std::string SayLines(const Lines& lines, const Catalog* catalog, Language language) {
  std::string text;
  for (const Sentence& line : lines) absl::StrAppend(&text, Say(line, catalog, language), "\n");
  return text;
}

absl::Status SentenceError(absl::StatusCode code, std::vector<Sentence> sentences) {
  absl::Status status(code, Say(sentences, nullptr, Language::kEnglish));
  std::string payload;
  for (const Sentence& sentence : sentences) {
    if (!payload.empty()) payload += kSentenceEnd;
    payload += sentence.msgid;
    for (const SentenceArg& arg : sentence.args) {
      absl::StrAppend(&payload, std::string(1, kSeparator), arg.name, std::string(1, kSeparator),
                      arg.value, std::string(1, kSeparator), arg.translated ? "1" : "0");
    }
  }
  status.SetPayload(kPayloadType, absl::Cord(payload));
  return status;
}

absl::Status SentenceError(absl::StatusCode code, Sentence sentence) {
  return SentenceError(code, std::vector<Sentence>{std::move(sentence)});
}

std::vector<Sentence> SentencesOf(const absl::Status& status) {
  const auto payload = status.GetPayload(kPayloadType);
  if (!payload) return {};
  std::vector<Sentence> sentences;
  for (const absl::string_view part : absl::StrSplit(std::string(*payload), kSentenceEnd)) {
    const std::vector<std::string> fields = absl::StrSplit(part, kSeparator);
    if (fields.empty() || (fields.size() - 1) % 3 != 0) return {};
    Sentence sentence{fields[0], {}};
    for (std::size_t i = 1; i + 2 < fields.size(); i += 3) {
      sentence.args.push_back({fields[i], fields[i + 1], fields[i + 2] == "1"});
    }
    sentences.push_back(std::move(sentence));
  }
  return sentences;
}

}  // namespace esep::text
