#ifndef ESEP_RENDER_RANDOM_H_
#define ESEP_RENDER_RANDOM_H_

#include <cstdint>
#include <random>

namespace esep::render {

// The renderer's only source of randomness. std::mt19937_64 is specified exactly by the standard;
// the std::*_distribution classes are not, so every mapping from integers to numbers is ours and a
// seed gives the same ballot on every machine.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t Next() { return engine_(); }

  // Uniform in [0, 1): the top 53 bits of one draw.
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // Uniform in [lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }

  // Uniform integer in [lo, hi] (hi >= lo; the bias of the multiplication is below 2^-40 for the
  // small ranges used here).
  std::int64_t UniformInt(std::int64_t lo, std::int64_t hi) {
    const auto span = static_cast<double>(hi - lo + 1);
    auto k = static_cast<std::int64_t>(Uniform() * span);
    if (k > hi - lo) k = hi - lo;
    return lo + k;
  }

  bool Chance(double p) { return Uniform() < p; }

 private:
  std::mt19937_64 engine_;
};

// The splitmix64 finaliser: a 64-bit value mixed so that every output bit depends on every input
// bit. Applied to a counter stepped by kGoldenGamma it is the splitmix64 generator.
inline constexpr std::uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ULL;
constexpr std::uint64_t SplitMix64Finalise(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Derives an independent seed for one purpose (marks, stray marks, damage, one target...) from a
// ballot's seed, so that adding damage does not change the marks drawn with the same seed.
constexpr std::uint64_t MixSeed(std::uint64_t seed, std::uint64_t salt) {
  return SplitMix64Finalise(seed + kGoldenGamma * (salt + 1));
}

}  // namespace esep::render

#endif  // ESEP_RENDER_RANDOM_H_
