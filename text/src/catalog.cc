#include "esep/text/catalog.h"

#include <unistd.h>

#include <array>
#include <boost/locale.hpp>
#include <cstdlib>
#include <filesystem>
#include <locale>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace esep::text {
namespace {

namespace fs = std::filesystem;

// Boost.Locale's names for the languages; its ICU backend needs no system locale installed.
constexpr std::array<const char*, 3> kLocaleNames = {"ky_KG.UTF-8", "ru_RU.UTF-8", "en_US.UTF-8"};

std::size_t Index(Language language) { return static_cast<std::size_t>(language); }

bool HasCatalogs(const fs::path& dir, const std::string& domain) {
  std::error_code ignored;
  for (const Language language : kPeoplesLanguages) {
    const fs::path mo =
        dir / std::string(LanguageCode(language)) / "LC_MESSAGES" / (domain + ".mo");
    if (!fs::is_regular_file(mo, ignored)) return false;
  }
  return true;
}

}  // namespace

std::string_view LanguageCode(Language language) {
  switch (language) {
    case Language::kKyrgyz:
      return "ky";
    case Language::kRussian:
      return "ru";
    case Language::kEnglish:
      return "en";
  }
  return "en";
}

std::optional<Language> ParseLanguage(std::string_view code) {
  const std::string_view base = code.substr(0, code.find_first_of("_.-@"));
  const std::string lower = absl::AsciiStrToLower(absl::string_view(base.data(), base.size()));
  for (const Language language : kAllLanguages) {
    if (lower == LanguageCode(language)) return language;
  }
  return std::nullopt;
}

std::string_view LanguageName(Language language) {
  switch (language) {
    case Language::kKyrgyz:
      return "Кыргызча";
    case Language::kRussian:
      return "Русский";
    case Language::kEnglish:
      return "English";
  }
  return "English";
}

std::vector<std::string> LocaleSearchPath() {
  std::vector<std::string> path;
  if (const char* dir = std::getenv("ESEP_LOCALE_DIR"); dir != nullptr && *dir != '\0') {
    path.emplace_back(dir);
  }
  std::error_code error;
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    fs::path dir = exe.parent_path();
    for (int up = 0; up <= 3 && !dir.empty(); ++up) {
      path.push_back((dir / "locale").string());
      if (dir == dir.root_path()) break;
      dir = dir.parent_path();
    }
  }
  path.emplace_back(ESEP_INSTALLED_LOCALE_DIR);
  return path;
}

struct Catalog::Locales {
  std::array<std::locale, 3> by_language;
};

Catalog::Catalog(std::string domain, std::string locale_dir, std::unique_ptr<Locales> locales)
    : domain_(std::move(domain)),
      locale_dir_(std::move(locale_dir)),
      locales_(std::move(locales)) {}
Catalog::Catalog(Catalog&&) noexcept = default;
Catalog& Catalog::operator=(Catalog&&) noexcept = default;
Catalog::~Catalog() = default;

absl::StatusOr<Catalog> Catalog::Load(std::string domain) {
  const std::vector<std::string> path = LocaleSearchPath();
  for (const std::string& dir : path) {
    if (HasCatalogs(dir, domain)) return LoadFrom(std::move(domain), dir);
  }
  return absl::NotFoundError(absl::StrCat(
      "the Kyrgyz and Russian texts (catalog ", domain, ".mo) are not installed; looked in ",
      absl::StrJoin(path, ", "), " (set ESEP_LOCALE_DIR to the folder that has them)"));
}

absl::StatusOr<Catalog> Catalog::LoadFrom(std::string domain, const std::string& locale_dir) {
  if (!HasCatalogs(locale_dir, domain)) {
    return absl::NotFoundError(absl::StrCat("no Kyrgyz and Russian catalog ", domain, ".mo in ",
                                            locale_dir, "/{ky,ru}/LC_MESSAGES"));
  }
  auto locales = std::make_unique<Locales>();
  try {
    boost::locale::generator generator;
    generator.add_messages_path(locale_dir);
    generator.add_messages_domain(domain);
    for (const Language language : kAllLanguages) {
      locales->by_language[Index(language)] = generator(kLocaleNames[Index(language)]);
    }
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat("cannot read the catalogs ", domain, ".mo in ", locale_dir, ": ", e.what()));
  }
  return Catalog(std::move(domain), locale_dir, std::move(locales));
}

std::string Catalog::Get(Language language, std::string_view msgid) const {
  // gettext's empty msgid is the catalog's header, never a text.
  if (language == Language::kEnglish || msgid.empty()) return std::string(msgid);
  return boost::locale::translate(std::string(msgid)).str(locales_->by_language[Index(language)]);
}

std::string Catalog::Plural(Language language, std::string_view singular, std::string_view plural,
                            long n) const {
  return boost::locale::translate(std::string(singular), std::string(plural), n)
      .str(locales_->by_language[Index(language)]);
}

}  // namespace esep::text
