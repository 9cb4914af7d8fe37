// Backward kernels of the activations: one fused pass grad_in = grad_out * f'(saved).
#include <cmath>

#include "elementwise.h"
#include "simd_clones.h"
#include "strided.h"
#include "vmath.h"

namespace tl::cpu {

namespace {

constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;

TL_SIMD_CLONES
void activation_grad_run(ActivationGrad op, const float* g, int64_t sg, const float* s, int64_t ss, float* o,
                         int64_t so, int64_t n, float p0, float p1) {
  switch (op) {
    case ActivationGrad::Relu: map2(g, sg, s, ss, o, so, n, [](float d, float x) { return x > 0 ? d : 0.0f; }); break;
    case ActivationGrad::LeakyRelu:
      map2(g, sg, s, ss, o, so, n, [p0](float d, float x) { return x > 0 ? d : d * p0; });
      break;
    case ActivationGrad::Sigmoid:
      map2(g, sg, s, ss, o, so, n, [](float d, float y) { return d * (y * (1.0f - y)); });
      break;
    case ActivationGrad::Tanh: map2(g, sg, s, ss, o, so, n, [](float d, float y) { return d * (1.0f - y * y); }); break;
    case ActivationGrad::Gelu:  // d/dx x * Phi(x) = Phi(x) + x * phi(x)
      map2(g, sg, s, ss, o, so, n, [](float d, float x) {
        const float cdf = 0.5f * (1.0f + vm::erf(x * kInvSqrt2));
        const float pdf = kInvSqrt2Pi * vm::exp(-0.5f * x * x);
        return d * (cdf + x * pdf);
      });
      break;
    case ActivationGrad::GeluTanh:
      map2(g, sg, s, ss, o, so, n, [](float d, float x) {
        const float k = 0.79788456080286536f, c = 0.044715f;
        const float t = vm::tanh(k * (x + c * x * x * x));
        const float dt = (1.0f - t * t) * k * (1.0f + 3.0f * c * x * x);
        return d * (0.5f * (1.0f + t) + 0.5f * x * dt);
      });
      break;
    case ActivationGrad::Silu:
      map2(g, sg, s, ss, o, so, n, [](float d, float x) {
        const float sg_ = vm::sigmoid(x);
        return d * (sg_ * (1.0f + x * (1.0f - sg_)));
      });
      break;
    case ActivationGrad::Softplus:  // p0 = beta, p1 = threshold
      map2(g, sg, s, ss, o, so, n, [p0, p1](float d, float x) {
        const float z = x * p0;
        return z > p1 ? d : d * vm::sigmoid(z);
      });
      break;
    case ActivationGrad::Elu:  // p0 = alpha
      map2(g, sg, s, ss, o, so, n, [p0](float d, float x) { return x > 0 ? d : d * p0 * vm::exp(x); });
      break;
    case ActivationGrad::Clamp:  // p0 = min, p1 = max: gradient flows where min <= x <= max
      map2(g, sg, s, ss, o, so, n, [p0, p1](float d, float x) { return (x >= p0 && x <= p1) ? d : 0.0f; });
      break;
  }
}

}  // namespace

void activation_grad(ActivationGrad op, const Tensor& grad, const Tensor& saved, const Tensor& out, double p0,
                     double p1) {
  if (out.numel() == 0) return;
  const auto plan = make_plan<3>(out.shape(), {&out.strides(), &grad.strides(), &saved.strides()});
  const float *pg = grad.data<float>(), *ps = saved.data<float>();
  float* po = out.data<float>();
  parallel_runs(plan, kElementwiseGrain / 4, [&](const int64_t* off, int64_t n, const int64_t* st) {
    activation_grad_run(op, pg + off[1], st[1], ps + off[2], st[2], po + off[0], st[0], n, float(p0), float(p1));
  });
}

}  // namespace tl::cpu
