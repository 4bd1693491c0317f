#ifndef ESEP_TESTS_TRANSPORT_SITE_TEXT_H_
#define ESEP_TESTS_TRANSPORT_SITE_TEXT_H_

#include <string>
#include <string_view>

#include "esep/transport/results_site.h"

namespace esep::transport::testing {

// The site's text as the tests read it: the English msgids.
inline SiteText SiteTextForTests() {
  return [](SiteLanguage, std::string_view msgid) { return std::string(msgid); };
}

}  // namespace esep::transport::testing

#endif  // ESEP_TESTS_TRANSPORT_SITE_TEXT_H_
