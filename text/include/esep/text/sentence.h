#ifndef ESEP_TEXT_SENTENCE_H_
#define ESEP_TEXT_SENTENCE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "esep/text/catalog.h"

namespace esep::text {

// One value of a sentence: its {name} in the msgid and its text. A `translated` value is itself a
// msgid (e.g. a poll state's name) and is shown in the reader's language too.
struct SentenceArg {
  SentenceArg(std::string name_, std::string value_, bool translated_ = false)
      : name(std::move(name_)), value(std::move(value_)), translated(translated_) {}
  std::string name;
  std::string value;
  bool translated;
};

// A sentence people read that is made far from where it is shown (esepd's refusals and notices,
// shown by the console and the screen, each in its own reader's language): the catalog msgid with
// {name} placeholders, and the values. Where it is made the msgid is marked N_().
struct Sentence {
  std::string msgid;
  std::vector<SentenceArg> args;
};

// The sentence in `language` (English: the msgid), its values filled in. Without a catalog, in
// English.
std::string Say(const Sentence& sentence, const Catalog* catalog, Language language);
// Several sentences, each in `language`, joined with "; ".
std::string Say(const std::vector<Sentence>& sentences, const Catalog* catalog, Language language);

// A report people read line by line (esepd's zero, test and results reports): each line a
// sentence, so that each client prints the whole report in its reader's language. A line made of
// data only (counts, names as the election definition spells them) has a msgid of placeholders.
using Lines = std::vector<Sentence>;
// The lines in `language`, each ended by "\n".
std::string SayLines(const Lines& lines, const Catalog* catalog, Language language);

// An error whose message is the sentences in English, joined with "; " (for logs and
// technicians), and which carries the sentences themselves, for SentencesOf().
absl::Status SentenceError(absl::StatusCode code, std::vector<Sentence> sentences);
absl::Status SentenceError(absl::StatusCode code, Sentence sentence);

// The sentences an error carries (SentenceError); empty when it carries none.
std::vector<Sentence> SentencesOf(const absl::Status& status);

}  // namespace esep::text

#endif  // ESEP_TEXT_SENTENCE_H_
