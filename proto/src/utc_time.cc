#include "esep/proto/utc_time.h"

#include <ctime>

namespace esep {
namespace {

std::string Format(std::int64_t unix_seconds, const char* format) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[40];
  std::strftime(text, sizeof text, format, &tm);
  return text;
}

}  // namespace

std::string UtcText(std::int64_t unix_seconds) {
  return Format(unix_seconds, "%Y-%m-%d %H:%M:%S UTC");
}

std::string UtcRfc3339(std::int64_t unix_seconds) {
  return Format(unix_seconds, "%Y-%m-%dT%H:%M:%SZ");
}

}  // namespace esep
