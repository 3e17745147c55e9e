// The optimizer's random numbers: one generator type, always seeded by the caller (no hidden
// auto-seeding), and portable uniform/normal draws (std::normal_distribution differs between
// standard libraries, so a seed would not replay across platforms).
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

namespace quante::opt {

using Rng = std::mt19937_64;

// Uniform in [0, 1) with 53 random bits.
inline double uniform01(Rng& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Uniform integer in [0, n), n > 0.
inline std::uint64_t uniform_index(Rng& rng, std::uint64_t n) {
  return static_cast<std::uint64_t>(uniform01(rng) * static_cast<double>(n)) % n;
}

// Standard normal by Box-Muller (one of the pair is discarded: simple and replayable).
inline double standard_normal(Rng& rng) {
  const double u1 = 1.0 - uniform01(rng);  // (0, 1]
  const double u2 = uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

// A child seed for a sub-task, so that components draw independent streams from one seed
// (splitmix64 finaliser).
inline std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace quante::opt
