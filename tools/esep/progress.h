#ifndef ESEP_TOOLS_ESEP_PROGRESS_H_
#define ESEP_TOOLS_ESEP_PROGRESS_H_

#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>

namespace esep::cli {

// Progress of long work (replay, export, deck build, the simulated election night) on stderr.
// On a terminal: one bar redrawn in place, at most ten times a second, with the rate and the
// time left. Elsewhere (a log, CI): a plain line at every tenth of the work, so a log shows the
// work moving without being flooded. Never on stdout, which carries the results.
class Progress {
 public:
  // `what` names the work ("replay"), `unit` what is counted ("images").
  Progress(std::string what, std::string unit, std::ostream& out, bool terminal);
  // To stderr, as a bar when stderr is a terminal.
  Progress(std::string what, std::string unit);

  // `done` of `total` units are finished; the last call has done == total.
  void Update(std::size_t done, std::size_t total);

 private:
  std::string what_;
  std::string unit_;
  std::ostream& out_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
  int last_tenth_ = -1;
  bool finished_ = false;
};

}  // namespace esep::cli

#endif  // ESEP_TOOLS_ESEP_PROGRESS_H_
