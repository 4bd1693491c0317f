#include "esep/scanner/clock.h"

#include <ctime>

namespace esep::scanner {

std::int64_t SystemClock::NowUnixSeconds() const {
  return static_cast<std::int64_t>(std::time(nullptr));
}

}  // namespace esep::scanner
