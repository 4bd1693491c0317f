#ifndef ESEP_TRANSPORT_SRC_ON_CORES_H_
#define ESEP_TRANSPORT_SRC_ON_CORES_H_

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace esep::transport::internal {

// Calls `work(i)` for every i in [0, n), shared among the machine's cores: one worker per core
// (the calling thread is one), each taking every workers-th i, and at most one worker per
// `per_worker` items, so that a small job stays on the calling thread. Returns when every call
// has returned. `work` must be safe to call from several threads for different i.
template <typename Work>
void ForEachOnCores(std::size_t n, std::size_t per_worker, const Work& work) {
  const std::size_t workers = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1,
                                                      std::max<std::size_t>(1, n / per_worker));
  auto every = [&](std::size_t first) {
    for (std::size_t i = first; i < n; i += workers) work(i);
  };
  std::vector<std::thread> threads;
  for (std::size_t w = 1; w < workers; ++w) threads.emplace_back(every, w);
  every(0);
  for (std::thread& t : threads) t.join();
}

}  // namespace esep::transport::internal

#endif  // ESEP_TRANSPORT_SRC_ON_CORES_H_
