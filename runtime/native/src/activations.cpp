// More elementwise functions and activations with their gradients: erf, log1p, expm1, sin, cos,
// log_sigmoid, softplus, leaky_relu, elu. Allocating forms dsl_x(x, &out), dsl_x_out(out, x); the
// gradients (from the forward input x) dsl_x_backward(grad, x, &out) and dsl_x_backward_out.
#include "common.h"

using dsl::T;
using dsl::wrap;

#define DSL_UNARY(name, expr_new, expr_out)                                                    \
  DSL_EXPORT dsl_##name(dsl_tensor x, dsl_tensor* out) { DSL_TRY(*out = wrap(expr_new)); } \
  DSL_EXPORT dsl_##name##_out(dsl_tensor out, dsl_tensor x) { DSL_TRY(expr_out); }

DSL_UNARY(erf, at::erf(T(x)), at::erf_out(T(out), T(x)))
DSL_UNARY(log1p, at::log1p(T(x)), at::log1p_out(T(out), T(x)))
DSL_UNARY(expm1, at::expm1(T(x)), at::expm1_out(T(out), T(x)))
DSL_UNARY(sin, at::sin(T(x)), at::sin_out(T(out), T(x)))
DSL_UNARY(cos, at::cos(T(x)), at::cos_out(T(out), T(x)))
// log σ(x) = -softplus(-x), computed stably.
DSL_UNARY(log_sigmoid, at::log_sigmoid(T(x)), at::log_sigmoid_out(T(out), T(x)))

// softplus(x) = log(1 + e^(β·x)) / β, and x itself where β·x > threshold (torch's defaults 1, 20).
DSL_EXPORT dsl_softplus(dsl_tensor x, double beta, double threshold, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::softplus(T(x), beta, threshold)));
}
DSL_EXPORT dsl_softplus_out(dsl_tensor out, dsl_tensor x, double beta, double threshold) {
  DSL_TRY(at::softplus_out(T(out), T(x), beta, threshold));
}

// leaky_relu(x) = x for x > 0, negative_slope·x otherwise.
DSL_EXPORT dsl_leaky_relu(dsl_tensor x, double negative_slope, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::leaky_relu(T(x), negative_slope)));
}
DSL_EXPORT dsl_leaky_relu_out(dsl_tensor out, dsl_tensor x, double negative_slope) {
  DSL_TRY(at::leaky_relu_out(T(out), T(x), negative_slope));
}

// elu(x) = x for x > 0, α·(eˣ - 1) otherwise.
DSL_EXPORT dsl_elu(dsl_tensor x, double alpha, dsl_tensor* out) { DSL_TRY(*out = wrap(at::elu(T(x), alpha, 1, 1))); }
DSL_EXPORT dsl_elu_out(dsl_tensor out, dsl_tensor x, double alpha) { DSL_TRY(at::elu_out(T(out), T(x), alpha, 1, 1)); }

// ---- gradients, from the forward input x ------------------------------------------------------

namespace {
void check_grad(const char* op, const at::Tensor& grad, const at::Tensor& x) {
  TORCH_CHECK(grad.sizes() == x.sizes(), op, ": the gradient ", grad.sizes(), " must have the input's shape ", x.sizes());
}
}  // namespace

// grad · σ(β·x), and grad where β·x > threshold.
DSL_EXPORT dsl_softplus_backward(dsl_tensor grad, dsl_tensor x, double beta, double threshold, dsl_tensor* out) {
  DSL_TRY({
    check_grad("softplus_backward", T(grad), T(x));
    *out = wrap(at::softplus_backward(T(grad), T(x), beta, threshold));
  });
}
DSL_EXPORT dsl_softplus_backward_out(dsl_tensor out, dsl_tensor grad, dsl_tensor x, double beta, double threshold) {
  DSL_TRY({
    check_grad("softplus_backward", T(grad), T(x));
    at::softplus_backward_out(T(out), T(grad), T(x), beta, threshold);
  });
}

// grad for x > 0, negative_slope·grad otherwise.
DSL_EXPORT dsl_leaky_relu_backward(dsl_tensor grad, dsl_tensor x, double negative_slope, dsl_tensor* out) {
  DSL_TRY({
    check_grad("leaky_relu_backward", T(grad), T(x));
    *out = wrap(at::leaky_relu_backward(T(grad), T(x), negative_slope, false));
  });
}
DSL_EXPORT dsl_leaky_relu_backward_out(dsl_tensor out, dsl_tensor grad, dsl_tensor x, double negative_slope) {
  DSL_TRY({
    check_grad("leaky_relu_backward", T(grad), T(x));
    at::leaky_relu_backward_out(T(out), T(grad), T(x), negative_slope, false);
  });
}

// grad for x > 0, grad·α·eˣ otherwise.
DSL_EXPORT dsl_elu_backward(dsl_tensor grad, dsl_tensor x, double alpha, dsl_tensor* out) {
  DSL_TRY({
    check_grad("elu_backward", T(grad), T(x));
    *out = wrap(at::elu_backward(T(grad), alpha, 1, 1, false, T(x)));
  });
}
DSL_EXPORT dsl_elu_backward_out(dsl_tensor out, dsl_tensor grad, dsl_tensor x, double alpha) {
  DSL_TRY({
    check_grad("elu_backward", T(grad), T(x));
    at::elu_backward_out(T(out), T(grad), alpha, 1, 1, false, T(x));
  });
}

// grad · σ(-x). Composed: ATen's log_sigmoid_backward takes a device-specific buffer.
DSL_EXPORT dsl_log_sigmoid_backward(dsl_tensor grad, dsl_tensor x, dsl_tensor* out) {
  DSL_TRY({
    check_grad("log_sigmoid_backward", T(grad), T(x));
    *out = wrap(at::mul(T(grad), at::sigmoid(at::neg(T(x)))));
  });
}
DSL_EXPORT dsl_log_sigmoid_backward_out(dsl_tensor out, dsl_tensor grad, dsl_tensor x) {
  DSL_TRY({
    check_grad("log_sigmoid_backward", T(grad), T(x));
    at::mul_out(T(out), T(grad), at::sigmoid(at::neg(T(x))));
  });
}
