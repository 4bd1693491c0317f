#ifndef ESEP_SCANNER_CLOCK_H_
#define ESEP_SCANNER_CLOCK_H_

#include <cstdint>

namespace esep::scanner {

// The wall clock, behind an interface so tests and replays control time. Reports are
// timestamped to the second (VVSG 1.1.9-M).
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t NowUnixSeconds() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t NowUnixSeconds() const override;
};

// A clock that returns what it is set to; for tests.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(std::int64_t unix_seconds) : now_(unix_seconds) {}
  std::int64_t NowUnixSeconds() const override { return now_; }
  void Set(std::int64_t unix_seconds) { now_ = unix_seconds; }

 private:
  std::int64_t now_;
};

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_CLOCK_H_
