#include "progress.h"

#include <unistd.h>

#include <iostream>

#include "absl/strings/str_format.h"

namespace esep::cli {

Progress::Progress(std::string what, std::string unit, std::ostream& out, bool terminal)
    : what_(std::move(what)),
      unit_(std::move(unit)),
      out_(out),
      terminal_(terminal),
      start_(std::chrono::steady_clock::now()) {}

Progress::Progress(std::string what, std::string unit)
    : Progress(std::move(what), std::move(unit), std::cerr, ::isatty(STDERR_FILENO) == 1) {}

void Progress::Update(std::size_t done, std::size_t total) {
  if (finished_) return;
  const auto now = std::chrono::steady_clock::now();
  const bool last = done >= total;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  const int percent = total == 0 ? 100 : static_cast<int>(100 * done / total);
  if (terminal_) {
    if (!last && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    constexpr int kWidth = 30;
    const int filled = percent * kWidth / 100;
    std::string left = "--:--";
    if (rate > 0 && !last) {
      const long remaining = static_cast<long>(static_cast<double>(total - done) / rate);
      left = absl::StrFormat("%ld:%02ld", remaining / 60, remaining % 60);
    }
    out_ << absl::StrFormat("\r%s [%s%s] %3d%% %zu/%zu %s, %.1f/s, %s left", what_,
                            std::string(filled, '#'), std::string(kWidth - filled, '.'), percent,
                            done, total, unit_, rate, last ? "0:00" : left)
         << (last ? "\n" : "") << std::flush;
  } else {
    const int tenth = percent / 10;
    if (tenth == last_tenth_ && !last) return;
    last_tenth_ = tenth;
    out_ << absl::StrFormat("%s: %zu/%zu %s (%d%%), %.1f s\n", what_, done, total, unit_, percent,
                            seconds)
         << std::flush;
  }
  finished_ = last;
}

}  // namespace esep::cli
