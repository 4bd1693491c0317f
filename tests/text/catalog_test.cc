#include "esep/text/catalog.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "scratch_directory.h"

namespace esep::text {
namespace {

Catalog TestCatalog() {
  absl::StatusOr<Catalog> catalog = Catalog::LoadFrom("esep-test", ESEP_TEST_LOCALE_DIR);
  EXPECT_TRUE(catalog.ok()) << catalog.status();
  return *std::move(catalog);
}

TEST(CatalogTest, TranslatesIntoEachLanguageSideBySide) {
  const Catalog catalog = TestCatalog();
  EXPECT_EQ(catalog.Get(Language::kKyrgyz, "Insert your ballot"), "Бюллетенди салыңыз");
  EXPECT_EQ(catalog.Get(Language::kRussian, "Insert your ballot"), "Вставьте бюллетень");
  EXPECT_EQ(catalog.Get(Language::kEnglish, "Insert your ballot"), "Insert your ballot");
}

TEST(CatalogTest, UsesEachLanguagesPluralRule) {
  const Catalog catalog = TestCatalog();
  EXPECT_EQ(catalog.Plural(Language::kRussian, "%d ballot", "%d ballots", 1), "%d бюллетень");
  EXPECT_EQ(catalog.Plural(Language::kRussian, "%d ballot", "%d ballots", 3), "%d бюллетеня");
  EXPECT_EQ(catalog.Plural(Language::kRussian, "%d ballot", "%d ballots", 11), "%d бюллетеней");
  EXPECT_EQ(catalog.Plural(Language::kRussian, "%d ballot", "%d ballots", 21), "%d бюллетень");
  EXPECT_EQ(catalog.Plural(Language::kEnglish, "%d ballot", "%d ballots", 2), "%d ballots");
}

TEST(CatalogTest, DoesNotDependOnTheProcessLocale) {
  setenv("LANGUAGE", "ru", 1);
  setenv("LC_ALL", "C", 1);
  const Catalog catalog = TestCatalog();
  EXPECT_EQ(catalog.Get(Language::kKyrgyz, "Insert your ballot"), "Бюллетенди салыңыз");
  unsetenv("LANGUAGE");
  unsetenv("LC_ALL");
}

TEST(CatalogTest, ServesSeveralThreadsAtOnce) {
  const Catalog catalog = TestCatalog();
  std::vector<std::thread> threads;
  std::vector<int> wrong(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const Language language = t % 2 == 0 ? Language::kKyrgyz : Language::kRussian;
      const std::string want = t % 2 == 0 ? "Бюллетенди салыңыз" : "Вставьте бюллетень";
      for (int i = 0; i < 2000; ++i)
        wrong[t] += catalog.Get(language, "Insert your ballot") != want;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
}

TEST(CatalogTest, RefusesAFolderWithoutTheKyrgyzAndRussianCatalogs) {
  const std::string empty = esep::testing::FreshDirectory("catalog").string();
  const absl::StatusOr<Catalog> catalog = Catalog::LoadFrom("esep-test", empty);
  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(catalog.status().message().find(empty), std::string::npos);
  std::filesystem::remove_all(empty);
}

TEST(CatalogTest, LoadLooksInEsepLocaleDirFirstAndNamesWhereItLooked) {
  setenv("ESEP_LOCALE_DIR", ESEP_TEST_LOCALE_DIR, 1);
  absl::StatusOr<Catalog> found = Catalog::Load("esep-test");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->locale_dir(), ESEP_TEST_LOCALE_DIR);
  const absl::StatusOr<Catalog> missing = Catalog::Load("esep-no-such-domain");
  unsetenv("ESEP_LOCALE_DIR");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(ESEP_TEST_LOCALE_DIR), std::string::npos);
  EXPECT_NE(missing.status().message().find("ESEP_LOCALE_DIR"), std::string::npos);
}

TEST(LanguageTest, ParsesCodesAndLocaleNames) {
  EXPECT_EQ(ParseLanguage("ky"), Language::kKyrgyz);
  EXPECT_EQ(ParseLanguage("ru_RU.UTF-8"), Language::kRussian);
  EXPECT_EQ(ParseLanguage("EN"), Language::kEnglish);
  EXPECT_EQ(ParseLanguage("kk"), std::nullopt);
  EXPECT_EQ(ParseLanguage(""), std::nullopt);
  for (const Language language : kAllLanguages) {
    EXPECT_EQ(ParseLanguage(LanguageCode(language)), language);
  }
}

}  // namespace
}  // namespace esep::text
