#ifndef ESEP_TEXT_CATALOG_H_
#define ESEP_TEXT_CATALOG_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

// Marks a string literal for the catalogs (xgettext's keyword) where it is defined, e.g. in a
// table; it is translated later, where it is shown, with Catalog::Get().
#define N_(text) text

namespace esep::text {

// The languages people read Esep in: commission members and voters read Kyrgyz and Russian;
// English is for technicians and is the text of the source (the msgid).
enum class Language { kKyrgyz, kRussian, kEnglish };

inline constexpr Language kPeoplesLanguages[] = {Language::kKyrgyz, Language::kRussian};
inline constexpr Language kAllLanguages[] = {Language::kKyrgyz, Language::kRussian,
                                             Language::kEnglish};

// "ky", "ru", "en".
std::string_view LanguageCode(Language language);
// The language of a code ("ky", "ru", "en", also "ky_KG.UTF-8"-like names); nullopt otherwise.
std::optional<Language> ParseLanguage(std::string_view code);
// The language's own name for itself ("Кыргызча", "Русский", "English").
std::string_view LanguageName(Language language);

// The translations of one gettext domain (po/DOMAIN/LANG.po, compiled to
// LOCALE_DIR/LANG/LC_MESSAGES/DOMAIN.mo), for every language at once: one process serves a
// Kyrgyz and a Russian reader side by side, so nothing here depends on the process's locale or
// environment beyond where the catalogs are. Thread-safe once loaded.
class Catalog {
 public:
  // Finds the compiled catalogs of `domain`: in $ESEP_LOCALE_DIR when set; else in a `locale`
  // folder next to the running program or up to three folders above it (a build tree); else in
  // the installed locale folder. Fails, naming where it looked, when the Kyrgyz or Russian
  // catalog is missing: people must never get English by accident.
  static absl::StatusOr<Catalog> Load(std::string domain);
  // The same, from one locale folder.
  static absl::StatusOr<Catalog> LoadFrom(std::string domain, const std::string& locale_dir);

  Catalog(Catalog&&) noexcept;
  Catalog& operator=(Catalog&&) noexcept;
  ~Catalog();

  // `msgid` in `language`; the msgid itself in English. Both msgid arguments must be literals
  // (or N_()-marked) for the catalog check to see them.
  std::string Get(Language language, std::string_view msgid) const;
  // The plural form for `n` (the language's own plural rule from its catalog header).
  std::string Plural(Language language, std::string_view singular, std::string_view plural,
                     long n) const;

  const std::string& domain() const { return domain_; }
  const std::string& locale_dir() const { return locale_dir_; }

 private:
  struct Locales;
  Catalog(std::string domain, std::string locale_dir, std::unique_ptr<Locales> locales);

  std::string domain_;
  std::string locale_dir_;
  std::unique_ptr<Locales> locales_;
};

// Where the catalogs would be looked for, in order (for messages and `--version`-like reports).
std::vector<std::string> LocaleSearchPath();

}  // namespace esep::text

#endif  // ESEP_TEXT_CATALOG_H_
