// Elementwise arithmetic, activations and comparisons: allocating, _out and in-place forms.
#include "common.h"

using dsl::T;
using dsl::wrap;

// Unary op f(x): dsl_<name>(x, &out) and dsl_<name>_out(out, x).
#define DSL_UNARY(name, expr_new, expr_out)                                          \
  DSL_EXPORT dsl_##name(dsl_tensor x, dsl_tensor* out) { DSL_TRY(*out = wrap(expr_new)); } \
  DSL_EXPORT dsl_##name##_out(dsl_tensor out, dsl_tensor x) { DSL_TRY(expr_out); }

DSL_UNARY(neg, at::neg(T(x)), at::neg_out(T(out), T(x)))
DSL_UNARY(exp, at::exp(T(x)), at::exp_out(T(out), T(x)))
DSL_UNARY(log, at::log(T(x)), at::log_out(T(out), T(x)))
DSL_UNARY(sqrt, at::sqrt(T(x)), at::sqrt_out(T(out), T(x)))
DSL_UNARY(rsqrt, at::rsqrt(T(x)), at::rsqrt_out(T(out), T(x)))
DSL_UNARY(square, at::square(T(x)), at::mul_out(T(out), T(x), T(x)))
DSL_UNARY(abs, at::abs(T(x)), at::abs_out(T(out), T(x)))
DSL_UNARY(sign, at::sign(T(x)), at::sign_out(T(out), T(x)))
DSL_UNARY(tanh, at::tanh(T(x)), at::tanh_out(T(out), T(x)))
DSL_UNARY(sigmoid, at::sigmoid(T(x)), at::sigmoid_out(T(out), T(x)))
DSL_UNARY(relu, at::relu(T(x)), at::clamp_min_out(T(out), T(x), 0))
DSL_UNARY(silu, at::silu(T(x)), at::silu_out(T(out), T(x)))
DSL_UNARY(logical_not, at::logical_not(T(x)), at::logical_not_out(T(out), T(x)))

// gelu: approximate is "none" (exact erf form) or "tanh".
DSL_EXPORT dsl_gelu(dsl_tensor x, int32_t tanh_approximation, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::gelu(T(x), tanh_approximation ? "tanh" : "none")));
}
DSL_EXPORT dsl_gelu_out(dsl_tensor out, dsl_tensor x, int32_t tanh_approximation) {
  DSL_TRY(at::gelu_out(T(out), T(x), tanh_approximation ? "tanh" : "none"));
}

// Binary op f(a, b) with broadcasting: dsl_<name>(a, b, &out) and dsl_<name>_out(out, a, b).
#define DSL_BINARY(name, expr_new, expr_out)                                                        \
  DSL_EXPORT dsl_##name(dsl_tensor a, dsl_tensor b, dsl_tensor* out) { DSL_TRY(*out = wrap(expr_new)); } \
  DSL_EXPORT dsl_##name##_out(dsl_tensor out, dsl_tensor a, dsl_tensor b) { DSL_TRY(expr_out); }

// Binary op with a scalar right operand: dsl_<name>_scalar(a, s, &out), dsl_<name>_scalar_out(out, a, s).
#define DSL_BINARY_SCALAR(name, expr_new, expr_out)                                                     \
  DSL_EXPORT dsl_##name##_scalar(dsl_tensor a, double s, dsl_tensor* out) { DSL_TRY(*out = wrap(expr_new)); } \
  DSL_EXPORT dsl_##name##_scalar_out(dsl_tensor out, dsl_tensor a, double s) { DSL_TRY(expr_out); }

DSL_BINARY(add, at::add(T(a), T(b)), at::add_out(T(out), T(a), T(b)))
DSL_BINARY(sub, at::sub(T(a), T(b)), at::sub_out(T(out), T(a), T(b)))
DSL_BINARY(mul, at::mul(T(a), T(b)), at::mul_out(T(out), T(a), T(b)))
DSL_BINARY(div, at::div(T(a), T(b)), at::div_out(T(out), T(a), T(b)))
DSL_BINARY(pow, at::pow(T(a), T(b)), at::pow_out(T(out), T(a), T(b)))
DSL_BINARY(maximum, at::maximum(T(a), T(b)), at::maximum_out(T(out), T(a), T(b)))
DSL_BINARY(minimum, at::minimum(T(a), T(b)), at::minimum_out(T(out), T(a), T(b)))
DSL_BINARY(eq, at::eq(T(a), T(b)), at::eq_out(T(out), T(a), T(b)))
DSL_BINARY(ne, at::ne(T(a), T(b)), at::ne_out(T(out), T(a), T(b)))
DSL_BINARY(lt, at::lt(T(a), T(b)), at::lt_out(T(out), T(a), T(b)))
DSL_BINARY(le, at::le(T(a), T(b)), at::le_out(T(out), T(a), T(b)))
DSL_BINARY(gt, at::gt(T(a), T(b)), at::gt_out(T(out), T(a), T(b)))
DSL_BINARY(ge, at::ge(T(a), T(b)), at::ge_out(T(out), T(a), T(b)))

DSL_BINARY_SCALAR(add, at::add(T(a), s), at::add_out(T(out), T(a), at::scalar_tensor(s, T(a).options())))
DSL_BINARY_SCALAR(sub, at::sub(T(a), s), at::sub_out(T(out), T(a), at::scalar_tensor(s, T(a).options())))
DSL_BINARY_SCALAR(rsub, at::rsub(T(a), s), at::sub_out(T(out), at::scalar_tensor(s, T(a).options()), T(a)))
DSL_BINARY_SCALAR(mul, at::mul(T(a), s), at::mul_out(T(out), T(a), at::scalar_tensor(s, T(a).options())))
DSL_BINARY_SCALAR(div, at::div(T(a), s), at::div_out(T(out), T(a), at::scalar_tensor(s, T(a).options())))
DSL_BINARY_SCALAR(rdiv, at::reciprocal(T(a)).mul_(s), at::div_out(T(out), at::scalar_tensor(s, T(a).options()), T(a)))
DSL_BINARY_SCALAR(pow, at::pow(T(a), s), at::pow_out(T(out), T(a), s))
DSL_BINARY_SCALAR(rpow, at::pow(s, T(a)), at::pow_out(T(out), s, T(a)))
DSL_BINARY_SCALAR(eq, at::eq(T(a), s), at::eq_out(T(out), T(a), s))
DSL_BINARY_SCALAR(ne, at::ne(T(a), s), at::ne_out(T(out), T(a), s))
DSL_BINARY_SCALAR(lt, at::lt(T(a), s), at::lt_out(T(out), T(a), s))
DSL_BINARY_SCALAR(le, at::le(T(a), s), at::le_out(T(out), T(a), s))
DSL_BINARY_SCALAR(gt, at::gt(T(a), s), at::gt_out(T(out), T(a), s))
DSL_BINARY_SCALAR(ge, at::ge(T(a), s), at::ge_out(T(out), T(a), s))

// clamp(x, min, max): NaN bounds mean "no bound on that side".
DSL_EXPORT dsl_clamp(dsl_tensor x, double min, double max, dsl_tensor* out) {
  DSL_TRY({
    c10::optional<at::Scalar> lo = std::isnan(min) ? c10::nullopt : c10::optional<at::Scalar>(min);
    c10::optional<at::Scalar> hi = std::isnan(max) ? c10::nullopt : c10::optional<at::Scalar>(max);
    *out = wrap(at::clamp(T(x), lo, hi));
  });
}
DSL_EXPORT dsl_clamp_out(dsl_tensor out, dsl_tensor x, double min, double max) {
  DSL_TRY({
    c10::optional<at::Scalar> lo = std::isnan(min) ? c10::nullopt : c10::optional<at::Scalar>(min);
    c10::optional<at::Scalar> hi = std::isnan(max) ? c10::nullopt : c10::optional<at::Scalar>(max);
    at::clamp_out(T(out), T(x), lo, hi);
  });
}

DSL_EXPORT dsl_where(dsl_tensor condition, dsl_tensor a, dsl_tensor b, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::where(T(condition), T(a), T(b))));
}
DSL_EXPORT dsl_where_out(dsl_tensor out, dsl_tensor condition, dsl_tensor a, dsl_tensor b) {
  DSL_TRY(at::where_out(T(out), T(condition), T(a), T(b)));
}

// ---- in-place updates ------------------------------------------------------------------------

DSL_EXPORT dsl_add_(dsl_tensor self, dsl_tensor other, double alpha) { DSL_TRY(T(self).add_(T(other), alpha)); }
DSL_EXPORT dsl_sub_(dsl_tensor self, dsl_tensor other, double alpha) { DSL_TRY(T(self).sub_(T(other), alpha)); }
DSL_EXPORT dsl_mul_(dsl_tensor self, dsl_tensor other) { DSL_TRY(T(self).mul_(T(other))); }
DSL_EXPORT dsl_div_(dsl_tensor self, dsl_tensor other) { DSL_TRY(T(self).div_(T(other))); }
DSL_EXPORT dsl_add_scalar_(dsl_tensor self, double value) { DSL_TRY(T(self).add_(value)); }
DSL_EXPORT dsl_mul_scalar_(dsl_tensor self, double value) { DSL_TRY(T(self).mul_(value)); }
DSL_EXPORT dsl_div_scalar_(dsl_tensor self, double value) { DSL_TRY(T(self).div_(value)); }
DSL_EXPORT dsl_addcmul_(dsl_tensor self, dsl_tensor t1, dsl_tensor t2, double value) {
  DSL_TRY(T(self).addcmul_(T(t1), T(t2), value));
}
DSL_EXPORT dsl_addcdiv_(dsl_tensor self, dsl_tensor t1, dsl_tensor t2, double value) {
  DSL_TRY(T(self).addcdiv_(T(t1), T(t2), value));
}
DSL_EXPORT dsl_lerp_(dsl_tensor self, dsl_tensor end, double weight) { DSL_TRY(T(self).lerp_(T(end), weight)); }
DSL_EXPORT dsl_lerp_tensor_(dsl_tensor self, dsl_tensor end, dsl_tensor weight) {
  DSL_TRY(T(self).lerp_(T(end), T(weight)));
}
DSL_EXPORT dsl_copy_(dsl_tensor self, dsl_tensor source) { DSL_TRY(T(self).copy_(T(source))); }
// self = sourceᵀ (the last two dims swapped), copied into self's memory.
DSL_EXPORT dsl_transpose_copy_(dsl_tensor self, dsl_tensor source) { DSL_TRY(T(self).copy_(T(source).transpose(-2, -1))); }
DSL_EXPORT dsl_zero_(dsl_tensor self) { DSL_TRY(T(self).zero_()); }
DSL_EXPORT dsl_fill_(dsl_tensor self, double value) { DSL_TRY(T(self).fill_(value)); }
DSL_EXPORT dsl_clamp_(dsl_tensor self, double min, double max) {
  DSL_TRY({
    c10::optional<at::Scalar> lo = std::isnan(min) ? c10::nullopt : c10::optional<at::Scalar>(min);
    c10::optional<at::Scalar> hi = std::isnan(max) ? c10::nullopt : c10::optional<at::Scalar>(max);
    T(self).clamp_(lo, hi);
  });
}
