// Counter-based random numbers that the CPU and the CUDA trainers compute bit for bit alike:
// a dropout decision is a pure function of (seed, stream, index), hashed by the splitmix64
// finaliser (Steele, Lea & Flood 2014), so neither path has to ship masks to the other and a
// mask can be recomputed in the backward pass instead of stored. Everything that is drawn once
// per run (initial weights, epoch orders) comes from MlpPlan (mlp_plan.hpp) on the host instead.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define QUANTE_MLP_HD __host__ __device__
#else
#define QUANTE_MLP_HD
#endif

namespace quante::mlp {

QUANTE_MLP_HD inline std::uint64_t mix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform in [0, 1) with 24 random bits: exactly representable as a float on both paths.
QUANTE_MLP_HD inline float hash_uniform(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  const std::uint64_t h = mix64(mix64(seed ^ mix64(stream)) ^ index);
  return static_cast<float>(h >> 40) * (1.0f / 16777216.0f);
}

// The stream of one hidden layer's dropout mask at one optimisation step of a run.
QUANTE_MLP_HD inline std::uint64_t dropout_stream(std::uint64_t step, std::uint64_t layer) {
  return (step << 8) | (layer & 0xFFu);
}

// Inverted dropout: the factor an activation is multiplied by, 0 (dropped) or 1/(1-p) (kept).
// index = column * rows + row of the activation matrix (column = position in the batch).
QUANTE_MLP_HD inline float dropout_factor(std::uint64_t seed, std::uint64_t stream, std::uint64_t index,
                                          float p, float keep_scale) {
  return hash_uniform(seed, stream, index) < p ? 0.0f : keep_scale;
}

}  // namespace quante::mlp
