// Regression and divergence losses with their gradients: l1_loss, huber_loss, kl_div. Reduction
// codes as ATen's (0 none, 1 mean, 2 sum); the input and target must have the same shape.
// Allocating forms dsl_x(..., &out) and dsl_x_out(out, ...); the gradients are taken with respect
// to the input (kl_div also has one with respect to the target).
#include "nn.h"

using dsl::T;
using dsl::wrap;
using dsl::nn::check_same_shape;
using dsl::nn::reduction;

namespace {

// out = value; a reduced loss is copied into the existing 0-dim buffer (1.13's loss _out forms
// would first resize it to the elementwise shape).
void write(at::Tensor& out, const at::Tensor& value) { dsl::nn::assign(out, value); }

// The upstream gradient: a scalar for mean and sum, the input's shape for none.
void check_grad(const char* op, const at::Tensor& grad, const at::Tensor& input, int64_t reduction) {
  if (reduction == at::Reduction::None) {
    TORCH_CHECK(grad.sizes() == input.sizes(), op, ": with reduction none the gradient ", grad.sizes(),
                " must have the input's shape ", input.sizes());
  } else {
    TORCH_CHECK(grad.numel() == 1, op, ": a reduced loss has a scalar gradient, but it is ", grad.sizes());
  }
}

at::Tensor scaled(at::Tensor value, const at::Tensor& input, int64_t reduction) {
  if (reduction == at::Reduction::Mean) value.div_(input.numel());
  return value;
}

// |input - target|' = sgn(input - target) (0 where they are equal), times the upstream gradient.
at::Tensor l1_grad(const at::Tensor& grad, const at::Tensor& input, const at::Tensor& target, int64_t r) {
  check_same_shape("l1_loss_backward", input, target);
  check_grad("l1_loss_backward", grad, input, r);
  return scaled(at::sgn(input - target) * grad, input, r);
}

// kl_div's pointwise loss t·(log t - x), or eᵗ·(t - x) for log targets, is 0 where t = 0.
// d/dx = -t (or -eᵗ); d/dt = log t + 1 - x (0 where t = 0), or eᵗ·(t + 1 - x).
at::Tensor kl_input_grad(const at::Tensor& grad, const at::Tensor& input, const at::Tensor& target, int64_t r,
                         bool log_target) {
  check_same_shape("kl_div_backward", input, target);
  check_grad("kl_div_backward", grad, input, r);
  auto weight = log_target ? at::exp(target) : target;
  return scaled(-weight * grad, input, r);
}

at::Tensor kl_target_grad(const at::Tensor& grad, const at::Tensor& input, const at::Tensor& target, int64_t r,
                          bool log_target) {
  check_same_shape("kl_div_target_backward", input, target);
  check_grad("kl_div_target_backward", grad, input, r);
  at::Tensor value;
  if (log_target) {
    value = at::exp(target) * (target + 1 - input) * grad;
  } else {
    value = ((at::log(target) + 1 - input) * grad).masked_fill_(target == 0, 0);
  }
  return scaled(value, input, r);
}

}  // namespace

// ---- l1 ----------------------------------------------------------------------------------------

DSL_EXPORT dsl_l1_loss(dsl_tensor input, dsl_tensor target, int32_t r, dsl_tensor* out) {
  DSL_TRY({
    check_same_shape("l1_loss", T(input), T(target));
    *out = wrap(at::l1_loss(T(input), T(target), reduction(r)));
  });
}
DSL_EXPORT dsl_l1_loss_out(dsl_tensor out, dsl_tensor input, dsl_tensor target, int32_t r) {
  DSL_TRY({
    check_same_shape("l1_loss", T(input), T(target));
    if (reduction(r) == at::Reduction::None) {
      at::sub_out(T(out), T(input), T(target)).abs_();
    } else {
      write(T(out), at::l1_loss(T(input), T(target), reduction(r)));
    }
  });
}
DSL_EXPORT dsl_l1_loss_backward(dsl_tensor grad, dsl_tensor input, dsl_tensor target, int32_t r, dsl_tensor* out) {
  DSL_TRY(*out = wrap(l1_grad(T(grad), T(input), T(target), reduction(r))));
}
DSL_EXPORT dsl_l1_loss_backward_out(dsl_tensor out, dsl_tensor grad, dsl_tensor input, dsl_tensor target, int32_t r) {
  DSL_TRY(write(T(out), l1_grad(T(grad), T(input), T(target), reduction(r))));
}

// ---- huber -------------------------------------------------------------------------------------
// ½(x - t)² where |x - t| < delta, delta·(|x - t| - ½·delta) elsewhere.

DSL_EXPORT dsl_huber_loss(dsl_tensor input, dsl_tensor target, int32_t r, double delta, dsl_tensor* out) {
  DSL_TRY({
    check_same_shape("huber_loss", T(input), T(target));
    *out = wrap(at::huber_loss(T(input), T(target), reduction(r), delta));
  });
}
DSL_EXPORT dsl_huber_loss_out(dsl_tensor out, dsl_tensor input, dsl_tensor target, int32_t r, double delta) {
  DSL_TRY({
    check_same_shape("huber_loss", T(input), T(target));
    if (reduction(r) == at::Reduction::None) {
      at::huber_loss_out(T(out), T(input), T(target), at::Reduction::None, delta);
    } else {
      write(T(out), at::huber_loss(T(input), T(target), reduction(r), delta));
    }
  });
}
// (x - t) where |x - t| < delta, delta·sgn(x - t) elsewhere; times the gradient (÷ numel for the mean).
DSL_EXPORT dsl_huber_loss_backward(dsl_tensor grad, dsl_tensor input, dsl_tensor target, int32_t r, double delta,
                                   dsl_tensor* out) {
  DSL_TRY({
    check_same_shape("huber_loss_backward", T(input), T(target));
    check_grad("huber_loss_backward", T(grad), T(input), reduction(r));
    *out = wrap(at::huber_loss_backward(T(grad), T(input), T(target), reduction(r), delta));
  });
}
DSL_EXPORT dsl_huber_loss_backward_out(dsl_tensor out, dsl_tensor grad, dsl_tensor input, dsl_tensor target, int32_t r,
                                       double delta) {
  DSL_TRY({
    check_same_shape("huber_loss_backward", T(input), T(target));
    check_grad("huber_loss_backward", T(grad), T(input), reduction(r));
    at::huber_loss_backward_out(T(out), T(grad), T(input), T(target), reduction(r), delta);
  });
}

// ---- kl_div ------------------------------------------------------------------------------------
// input holds log-probabilities; target probabilities (or log-probabilities with log_target).
// The mean is over every element, as torch's reduction='mean' (not 'batchmean').

DSL_EXPORT dsl_kl_div(dsl_tensor input, dsl_tensor target, int32_t r, int32_t log_target, dsl_tensor* out) {
  DSL_TRY({
    check_same_shape("kl_div", T(input), T(target));
    *out = wrap(at::kl_div(T(input), T(target), reduction(r), log_target != 0));
  });
}
DSL_EXPORT dsl_kl_div_out(dsl_tensor out, dsl_tensor input, dsl_tensor target, int32_t r, int32_t log_target) {
  DSL_TRY({
    check_same_shape("kl_div", T(input), T(target));
    write(T(out), at::kl_div(T(input), T(target), reduction(r), log_target != 0));
  });
}
DSL_EXPORT dsl_kl_div_backward(dsl_tensor grad, dsl_tensor input, dsl_tensor target, int32_t r, int32_t log_target,
                               dsl_tensor* out) {
  DSL_TRY(*out = wrap(kl_input_grad(T(grad), T(input), T(target), reduction(r), log_target != 0)));
}
DSL_EXPORT dsl_kl_div_backward_out(dsl_tensor out, dsl_tensor grad, dsl_tensor input, dsl_tensor target, int32_t r,
                                   int32_t log_target) {
  DSL_TRY(write(T(out), kl_input_grad(T(grad), T(input), T(target), reduction(r), log_target != 0)));
}
DSL_EXPORT dsl_kl_div_target_backward(dsl_tensor grad, dsl_tensor input, dsl_tensor target, int32_t r,
                                      int32_t log_target, dsl_tensor* out) {
  DSL_TRY(*out = wrap(kl_target_grad(T(grad), T(input), T(target), reduction(r), log_target != 0)));
}
DSL_EXPORT dsl_kl_div_target_backward_out(dsl_tensor out, dsl_tensor grad, dsl_tensor input, dsl_tensor target,
                                          int32_t r, int32_t log_target) {
  DSL_TRY(write(T(out), kl_target_grad(T(grad), T(input), T(target), reduction(r), log_target != 0)));
}
