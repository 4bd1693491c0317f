#ifndef ESEP_REPORT_NUMBER_WORDS_H_
#define ESEP_REPORT_NUMBER_WORDS_H_

#include <cstdint>
#include <string>

namespace esep::report {

// A protocol line's number in words, as a commission writes it beside the figure so that no
// digit can be changed unseen: "эки миң жүз элүү" (2150) in Kyrgyz, "две тысячи сто пятьдесят"
// in Russian. Numbers up to 999 999 999 999; "нөл" / "ноль" for 0.
std::string KyrgyzNumberWords(std::uint64_t n);
std::string RussianNumberWords(std::uint64_t n);

}  // namespace esep::report

#endif  // ESEP_REPORT_NUMBER_WORDS_H_
