// Protocol numbers in words, Kyrgyz and Russian.
#include "esep/report/number_words.h"

#include <gtest/gtest.h>

namespace esep::report {
namespace {

TEST(NumberWordsTest, KyrgyzFollowsTheDigits) {
  EXPECT_EQ(KyrgyzNumberWords(0), "нөл");
  EXPECT_EQ(KyrgyzNumberWords(7), "жети");
  EXPECT_EQ(KyrgyzNumberWords(15), "он беш");
  EXPECT_EQ(KyrgyzNumberWords(100), "жүз");
  EXPECT_EQ(KyrgyzNumberWords(1200), "бир миң эки жүз");
  EXPECT_EQ(KyrgyzNumberWords(2150), "эки миң жүз элүү");
  EXPECT_EQ(KyrgyzNumberWords(3'563'574), "үч миллион беш жүз алтымыш үч миң беш жүз жетимиш төрт");
}

TEST(NumberWordsTest, RussianAgreesInGenderAndNumber) {
  EXPECT_EQ(RussianNumberWords(0), "ноль");
  EXPECT_EQ(RussianNumberWords(2), "два");
  EXPECT_EQ(RussianNumberWords(12), "двенадцать");
  EXPECT_EQ(RussianNumberWords(1000), "одна тысяча");
  EXPECT_EQ(RussianNumberWords(1200), "одна тысяча двести");
  EXPECT_EQ(RussianNumberWords(2150), "две тысячи сто пятьдесят");
  EXPECT_EQ(RussianNumberWords(11'000), "одиннадцать тысяч");
  EXPECT_EQ(RussianNumberWords(21'001), "двадцать одна тысяча один");
  EXPECT_EQ(RussianNumberWords(3'563'574),
            "три миллиона пятьсот шестьдесят три тысячи пятьсот семьдесят четыре");
}

}  // namespace
}  // namespace esep::report
