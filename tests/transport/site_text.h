#ifndef ESEP_TESTS_TRANSPORT_SITE_TEXT_H_
#define ESEP_TESTS_TRANSPORT_SITE_TEXT_H_

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "esep/transport/results_site.h"

namespace esep::transport::testing {

// The site's catalogs as the tests read them, from the build tree (build/locale).
inline SiteText SiteTextForTests() {
  absl::StatusOr<SiteText> text = SiteTextOfCatalogs();
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : SiteText();
}

}  // namespace esep::transport::testing

#endif  // ESEP_TESTS_TRANSPORT_SITE_TEXT_H_
