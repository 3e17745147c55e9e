// The per-element formulas of the mlp trainers, written once for the CPU (Eigen) and the CUDA
// kernels: activations and their derivatives, and the SGD-momentum and Adam updates.
// GELU is the exact one, z Phi(z) (Hendrycks & Gimpel 2016); Adam is Kingma & Ba 2015 with the
// bias corrections c1 = 1/(1 - beta1^t), c2 = 1/(1 - beta2^t) computed by the caller.
#pragma once

#include <cmath>

#include "mlp_random.hpp"
#include "mlp_spec.hpp"

namespace quante::mlp {

enum : int { kActRelu = 0, kActGelu = 1, kActTanh = 2 };

inline int activation_code(Activation a) {
  return a == Activation::Relu ? kActRelu : a == Activation::Gelu ? kActGelu : kActTanh;
}

QUANTE_MLP_HD inline float activate(int act, float z) {
  if (act == kActRelu) return z > 0.0f ? z : 0.0f;
  if (act == kActGelu) return 0.5f * z * (1.0f + erff(z * 0.70710678118654752f));
  return tanhf(z);
}

QUANTE_MLP_HD inline float activate_grad(int act, float z) {
  if (act == kActRelu) return z > 0.0f ? 1.0f : 0.0f;
  if (act == kActGelu)
    return 0.5f * (1.0f + erff(z * 0.70710678118654752f)) + z * 0.39894228040143268f * expf(-0.5f * z * z);
  const float t = tanhf(z);
  return 1.0f - t * t;
}

inline constexpr float kAdamBeta1 = 0.9f;
inline constexpr float kAdamBeta2 = 0.999f;
inline constexpr float kAdamEps = 1e-8f;

// g is the loss gradient; decay is the weight decay (0 for biases).
QUANTE_MLP_HD inline void sgd_step(float& w, float g, float& velocity, float lr, float momentum, float decay) {
  g += decay * w;
  velocity = momentum * velocity + g;
  w -= lr * velocity;
}

QUANTE_MLP_HD inline void adam_step(float& w, float g, float& m, float& v, float lr, float c1, float c2,
                                    float decay) {
  g += decay * w;
  m = kAdamBeta1 * m + (1.0f - kAdamBeta1) * g;
  v = kAdamBeta2 * v + (1.0f - kAdamBeta2) * g * g;
  w -= lr * (m * c1) / (sqrtf(v * c2) + kAdamEps);
}

}  // namespace quante::mlp
