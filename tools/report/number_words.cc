#include "esep/report/number_words.h"

#include <array>
#include <vector>

#include "absl/strings/str_join.h"

namespace esep::report {
namespace {

// Kyrgyz: the words follow the digits, largest first, with no agreement.
void KyrgyzBelowThousand(std::uint64_t n, std::vector<std::string>& out) {
  static constexpr std::array<const char*, 10> kOnes = {"",    "бир",  "эки",  "үч",    "төрт",
                                                        "беш", "алты", "жети", "сегиз", "тогуз"};
  static constexpr std::array<const char*, 10> kTens = {
      "", "он", "жыйырма", "отуз", "кырк", "элүү", "алтымыш", "жетимиш", "сексен", "токсон"};
  if (n >= 100) {
    if (n / 100 > 1) out.push_back(kOnes[n / 100]);
    out.push_back("жүз");
  }
  if (n % 100 >= 10) out.push_back(kTens[n % 100 / 10]);
  if (n % 10 != 0) out.push_back(kOnes[n % 10]);
}

// Russian: thousands are feminine (одна тысяча, две тысячи) and the scale word agrees with the
// count before it (тысяча / тысячи / тысяч).
void RussianBelowThousand(std::uint64_t n, bool feminine, std::vector<std::string>& out) {
  static constexpr std::array<const char*, 10> kHundreds = {
      "",        "сто",      "двести",  "триста",    "четыреста",
      "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот"};
  static constexpr std::array<const char*, 10> kTens = {
      "",          "",           "двадцать",  "тридцать",    "сорок",
      "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто"};
  static constexpr std::array<const char*, 20> kBelowTwenty = {
      "",           "один",        "два",        "три",          "четыре",
      "пять",       "шесть",       "семь",       "восемь",       "девять",
      "десять",     "одиннадцать", "двенадцать", "тринадцать",   "четырнадцать",
      "пятнадцать", "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать"};
  if (n >= 100) out.push_back(kHundreds[n / 100]);
  const std::uint64_t rest = n % 100;
  if (rest >= 20) {
    out.push_back(kTens[rest / 10]);
    if (rest % 10 != 0) {
      const std::uint64_t one = rest % 10;
      out.push_back(feminine && one == 1   ? "одна"
                    : feminine && one == 2 ? "две"
                                           : kBelowTwenty[one]);
    }
  } else if (rest != 0) {
    out.push_back(feminine && rest == 1   ? "одна"
                  : feminine && rest == 2 ? "две"
                                          : kBelowTwenty[rest]);
  }
}

const char* RussianScale(std::uint64_t count, const char* one, const char* few, const char* many) {
  const std::uint64_t last_two = count % 100, last = count % 10;
  if (last_two >= 11 && last_two <= 14) return many;
  if (last == 1) return one;
  if (last >= 2 && last <= 4) return few;
  return many;
}

}  // namespace

std::string KyrgyzNumberWords(std::uint64_t n) {
  if (n == 0) return "нөл";
  std::vector<std::string> out;
  const std::uint64_t billions = n / 1'000'000'000 % 1000, millions = n / 1'000'000 % 1000,
                      thousands = n / 1000 % 1000;
  if (billions != 0) {
    KyrgyzBelowThousand(billions, out);
    out.push_back("миллиард");
  }
  if (millions != 0) {
    KyrgyzBelowThousand(millions, out);
    out.push_back("миллион");
  }
  if (thousands != 0) {
    KyrgyzBelowThousand(thousands, out);
    out.push_back("миң");
  }
  KyrgyzBelowThousand(n % 1000, out);
  return absl::StrJoin(out, " ");
}

std::string RussianNumberWords(std::uint64_t n) {
  if (n == 0) return "ноль";
  std::vector<std::string> out;
  const std::uint64_t billions = n / 1'000'000'000 % 1000, millions = n / 1'000'000 % 1000,
                      thousands = n / 1000 % 1000;
  if (billions != 0) {
    RussianBelowThousand(billions, false, out);
    out.push_back(RussianScale(billions, "миллиард", "миллиарда", "миллиардов"));
  }
  if (millions != 0) {
    RussianBelowThousand(millions, false, out);
    out.push_back(RussianScale(millions, "миллион", "миллиона", "миллионов"));
  }
  if (thousands != 0) {
    RussianBelowThousand(thousands, true, out);
    out.push_back(RussianScale(thousands, "тысяча", "тысячи", "тысяч"));
  }
  RussianBelowThousand(n % 1000, false, out);
  return absl::StrJoin(out, " ");
}

}  // namespace esep::report
