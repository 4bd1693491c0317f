// What the benchmarks share: the fixture elections and CPU clocks (bench_images.h adds images).
// Set-up failures abort: a benchmark of a workload that could not be built would measure nothing.
#ifndef ESEP_TESTS_BENCH_BENCH_COMMON_H_
#define ESEP_TESTS_BENCH_BENCH_COMMON_H_

#include <cstdlib>
#include <ctime>
#include <string>

#include "esep/proto/election.h"

namespace esep::bench {

// fixtures/elections/NAME.
inline Election LoadFixtureElection(const std::string& name) {
  absl::StatusOr<Election> election =
      LoadElectionFile(std::string(ESEP_SOURCE_DIR) + "/fixtures/elections/" + name + ".json");
  if (!election.ok()) std::abort();
  return *std::move(election);
}

// CPU time of every thread of the process: on a shared machine, wall time also counts other
// people's work, CPU time only ours.
inline double ProcessCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// This thread's CPU time, in milliseconds.
inline double ThreadCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) * 1e-6;
}

}  // namespace esep::bench

#endif  // ESEP_TESTS_BENCH_BENCH_COMMON_H_
