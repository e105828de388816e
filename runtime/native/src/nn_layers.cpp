// More layers with their gradients: conv1d, batch norm, group norm, adaptive average pooling.
// Allocating forms dsl_x(..., &out), dsl_x_out(out, ...) into a caller's buffer, and the backward
// _out forms, where a null gradient buffer skips that gradient (as in backward.cpp).
#include "nn.h"

#include <cmath>

using dsl::Opt;
using dsl::T;
using dsl::wrap;

namespace {

using Grads = std::tuple<at::Tensor, at::Tensor, at::Tensor>;

void put(dsl_tensor* target, const at::Tensor& value) {
  if (target != nullptr) *target = wrap(value);
}

void put_into(dsl_tensor target, const at::Tensor& value) {
  if (target != nullptr) dsl::nn::assign(T(target), value);
}

// A per-channel tensor (weight, bias, running statistic), when given, has C elements.
void check_channels(const char* op, const char* what, const c10::optional<at::Tensor>& t, int64_t channels,
                    const at::Tensor& x) {
  if (!t.has_value()) return;
  TORCH_CHECK(t->dim() == 1 && t->size(0) == channels, op, ": the ", what, " ", t->sizes(), " must be [", channels,
              "], one value per channel of the input ", x.sizes());
}

// ---- conv1d ---------------------------------------------------------------------------------

void check_conv1d(const char* op, const at::Tensor& input, const at::Tensor& weight, int64_t groups) {
  TORCH_CHECK(weight.dim() == 3, op, ": the weight must be [out, in/groups, k], but it is ", weight.sizes());
  TORCH_CHECK(input.dim() == 2 || input.dim() == 3, op, ": the input must be [N, C, L] or [C, L], but it is ",
              input.sizes());
  TORCH_CHECK(groups > 0, op, ": groups must be positive, but it is ", groups);
  const auto channels = input.size(input.dim() - 2);
  TORCH_CHECK(channels == weight.size(1) * groups, op, ": the weight ", weight.sizes(), " with groups=", groups,
              " expects ", weight.size(1) * groups, " input channels, but the input ", input.sizes(), " has ",
              channels);
  TORCH_CHECK(weight.size(0) % groups == 0, op, ": the weight's ", weight.size(0),
              " output channels are not divisible by groups=", groups);
}

Grads conv1d_backward(const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight, int64_t stride,
                      int64_t padding, int64_t dilation, int64_t groups, std::array<bool, 3> mask) {
  check_conv1d("conv1d_backward", input, weight, groups);
  const bool unbatched = input.dim() == 2;
  auto batched_input = unbatched ? input.unsqueeze(0) : input;
  const auto length = (batched_input.size(2) + 2 * padding - dilation * (weight.size(2) - 1) - 1) / stride + 1;
  std::vector<int64_t> expected{batched_input.size(0), weight.size(0), length};
  if (unbatched) expected.erase(expected.begin());
  TORCH_CHECK(grad_output.sizes() == at::IntArrayRef(expected), "conv1d_backward: grad_output ", grad_output.sizes(),
              " does not match the convolution's output ", at::IntArrayRef(expected), " for input ", input.sizes(),
              " and weight ", weight.sizes());
  const int64_t bias_size = weight.size(0);
  at::OptionalIntArrayRef bias_sizes;
  if (mask[2]) bias_sizes = at::IntArrayRef(&bias_size, 1);
  const int64_t no_output_padding = 0;
  auto grads = at::convolution_backward(unbatched ? grad_output.unsqueeze(0) : grad_output, batched_input, weight,
                                        bias_sizes, stride, padding, dilation, false, no_output_padding, groups, mask);
  if (unbatched && mask[0]) std::get<0>(grads) = std::get<0>(grads).squeeze(0);
  return grads;
}

// ---- batch norm ------------------------------------------------------------------------------

struct BatchNormArgs {
  c10::optional<at::Tensor> weight, bias, running_mean, running_var;
  bool training;
  double momentum, eps;
};

void check_batch_norm(const char* op, const at::Tensor& x, const BatchNormArgs& a) {
  TORCH_CHECK(x.dim() >= 2, op, ": the input must be [N, C] or [N, C, ...], but it is ", x.sizes());
  const auto channels = x.size(1);
  check_channels(op, "weight", a.weight, channels, x);
  check_channels(op, "bias", a.bias, channels, x);
  check_channels(op, "running mean", a.running_mean, channels, x);
  check_channels(op, "running variance", a.running_var, channels, x);
  TORCH_CHECK(a.running_mean.has_value() == a.running_var.has_value(), op,
              ": give both running statistics or neither");
  TORCH_CHECK(a.training || a.running_mean.has_value(), op,
              ": evaluation (training = false) normalizes with the running statistics, but none were given");
  TORCH_CHECK(!a.training || x.numel() / std::max<int64_t>(channels, 1) > 1, op,
              ": training needs more than 1 value per channel to compute batch statistics, but the input is ",
              x.sizes());
}

// out = batch norm of x; save_mean/save_invstd (may be undefined) get the statistics used: the
// batch's mean and 1/√(biased var + eps) in training (running stats updated in place with
// momentum and the unbiased variance, as torch does), the running ones in evaluation.
void batch_norm_into(at::Tensor& out, at::Tensor* save_mean, at::Tensor* save_invstd, const at::Tensor& x,
                     const BatchNormArgs& a) {
  check_batch_norm("batch_norm", x, a);
  if (a.training) {
    // 1.13 has no CPU kernel for native_batch_norm.out: compute, then copy into the buffers.
    auto result =
        at::native_batch_norm(x, a.weight, a.bias, a.running_mean, a.running_var, true, a.momentum, a.eps);
    dsl::nn::assign(out, std::get<0>(result));
    if (save_mean != nullptr) dsl::nn::assign(*save_mean, std::get<1>(result));
    if (save_invstd != nullptr) dsl::nn::assign(*save_invstd, std::get<2>(result));
    return;
  }
  // Evaluation: ATen returns empty statistics here, so the running ones are written instead.
  auto result = at::native_batch_norm(x, a.weight, a.bias, a.running_mean, a.running_var, false, a.momentum, a.eps);
  dsl::nn::assign(out, std::get<0>(result));
  if (save_mean != nullptr) dsl::nn::assign(*save_mean, *a.running_mean);
  if (save_invstd != nullptr) dsl::nn::assign(*save_invstd, at::rsqrt(*a.running_var + a.eps));
}

Grads batch_norm_backward(const at::Tensor& grad_output, const at::Tensor& x, const BatchNormArgs& a,
                          const at::Tensor& save_mean, const at::Tensor& save_invstd, std::array<bool, 3> mask) {
  check_batch_norm("batch_norm_backward", x, a);
  TORCH_CHECK(grad_output.sizes() == x.sizes(), "batch_norm_backward: grad_output ", grad_output.sizes(),
              " does not match the input ", x.sizes());
  TORCH_CHECK(!mask[1] || a.weight.has_value(), "batch_norm_backward: a weight gradient was asked for without a weight");
  if (a.training) {
    check_channels("batch_norm_backward", "saved mean", save_mean, x.size(1), x);
    check_channels("batch_norm_backward", "saved invstd", save_invstd, x.size(1), x);
  }
  return at::native_batch_norm_backward(grad_output, x, a.weight, a.running_mean, a.running_var, save_mean,
                                        save_invstd, a.training, a.eps, mask);
}

// ---- group norm ------------------------------------------------------------------------------

struct GroupSizes {
  int64_t n, c, hxw;
};

GroupSizes check_group_norm(const char* op, const at::Tensor& x, int64_t groups, const c10::optional<at::Tensor>& weight,
                            const c10::optional<at::Tensor>& bias) {
  TORCH_CHECK(x.dim() >= 2, op, ": the input must be [N, C, ...], but it is ", x.sizes());
  TORCH_CHECK(groups > 0 && x.size(1) % groups == 0, op, ": the input's ", x.size(1), " channels (input ", x.sizes(),
              ") must split into ", groups, " groups of equal size");
  check_channels(op, "weight", weight, x.size(1), x);
  check_channels(op, "bias", bias, x.size(1), x);
  const auto n = x.size(0), c = x.size(1);
  return {n, c, n * c == 0 ? 0 : x.numel() / (n * c)};
}

}  // namespace

// ---- conv1d ---------------------------------------------------------------------------------------

// input [N, C, L] (or unbatched [C, L]), weight [O, C/groups, k], bias [O] or null.
DSL_EXPORT dsl_conv1d(dsl_tensor input, dsl_tensor weight, dsl_tensor bias, int64_t stride, int64_t padding,
                      int64_t dilation, int64_t groups, dsl_tensor* out) {
  DSL_TRY({
    check_conv1d("conv1d", T(input), T(weight), groups);
    *out = wrap(at::conv1d(T(input), T(weight), Opt(bias), stride, padding, dilation, groups));
  });
}
DSL_EXPORT dsl_conv1d_out(dsl_tensor out, dsl_tensor input, dsl_tensor weight, dsl_tensor bias, int64_t stride,
                          int64_t padding, int64_t dilation, int64_t groups) {
  DSL_TRY({
    check_conv1d("conv1d", T(input), T(weight), groups);
    if (T(input).dim() == 3) {
      const int64_t no_output_padding = 0;
      at::convolution_out(T(out), T(input), T(weight), Opt(bias), stride, padding, dilation, false, no_output_padding,
                          groups);
    } else {
      dsl::nn::assign(T(out), at::conv1d(T(input), T(weight), Opt(bias), stride, padding, dilation, groups));
    }
  });
}

DSL_EXPORT dsl_conv1d_backward_out(dsl_tensor grad_input, dsl_tensor grad_weight, dsl_tensor grad_bias,
                                   dsl_tensor grad_output, dsl_tensor input, dsl_tensor weight, int64_t stride,
                                   int64_t padding, int64_t dilation, int64_t groups) {
  DSL_TRY({
    auto grads = conv1d_backward(T(grad_output), T(input), T(weight), stride, padding, dilation, groups,
                                 {grad_input != nullptr, grad_weight != nullptr, grad_bias != nullptr});
    put_into(grad_input, std::get<0>(grads));
    put_into(grad_weight, std::get<1>(grads));
    put_into(grad_bias, std::get<2>(grads));
  });
}

// ---- batch norm -------------------------------------------------------------------------------------
// x [N, C] or [N, C, ...]; weight, bias, running_mean, running_var [C] or null. save_mean and
// save_invstd ([C]) receive the statistics batch_norm_backward needs; they may be null.

DSL_EXPORT dsl_batch_norm(dsl_tensor x, dsl_tensor weight, dsl_tensor bias, dsl_tensor running_mean,
                          dsl_tensor running_var, int32_t training, double momentum, double eps, dsl_tensor* out,
                          dsl_tensor* save_mean, dsl_tensor* save_invstd) {
  DSL_TRY({
    BatchNormArgs args{Opt(weight), Opt(bias), Opt(running_mean), Opt(running_var), training != 0, momentum, eps};
    auto result = at::empty({0}, T(x).options());
    auto mean = at::empty({0}, T(x).options());
    auto invstd = at::empty({0}, T(x).options());
    batch_norm_into(result, &mean, &invstd, T(x), args);
    *out = wrap(std::move(result));
    if (save_mean != nullptr) *save_mean = wrap(std::move(mean));
    if (save_invstd != nullptr) *save_invstd = wrap(std::move(invstd));
  });
}
DSL_EXPORT dsl_batch_norm_out(dsl_tensor out, dsl_tensor save_mean, dsl_tensor save_invstd, dsl_tensor x,
                              dsl_tensor weight, dsl_tensor bias, dsl_tensor running_mean, dsl_tensor running_var,
                              int32_t training, double momentum, double eps) {
  DSL_TRY({
    BatchNormArgs args{Opt(weight), Opt(bias), Opt(running_mean), Opt(running_var), training != 0, momentum, eps};
    batch_norm_into(T(out), save_mean == nullptr ? nullptr : &T(save_mean),
                    save_invstd == nullptr ? nullptr : &T(save_invstd), T(x), args);
  });
}

// save_mean and save_invstd come from the forward pass (training); evaluation uses the running stats.
DSL_EXPORT dsl_batch_norm_backward_out(dsl_tensor grad_input, dsl_tensor grad_weight, dsl_tensor grad_bias,
                                       dsl_tensor grad_output, dsl_tensor x, dsl_tensor weight,
                                       dsl_tensor running_mean, dsl_tensor running_var, dsl_tensor save_mean,
                                       dsl_tensor save_invstd, int32_t training, double eps) {
  DSL_TRY({
    BatchNormArgs args{Opt(weight), c10::nullopt, Opt(running_mean), Opt(running_var), training != 0, 0.0, eps};
    auto grads = batch_norm_backward(T(grad_output), T(x), args, T(save_mean), T(save_invstd),
                                     {grad_input != nullptr, grad_weight != nullptr, grad_bias != nullptr});
    put_into(grad_input, std::get<0>(grads));
    put_into(grad_weight, std::get<1>(grads));
    put_into(grad_bias, std::get<2>(grads));
  });
}

// ---- group norm -------------------------------------------------------------------------------------
// x [N, C, ...] normalized over each group of C/groups channels and the trailing dims; mean and
// rstd [N, groups] are what group_norm_backward needs (they may be null).

DSL_EXPORT dsl_group_norm(dsl_tensor x, int64_t groups, dsl_tensor weight, dsl_tensor bias, double eps,
                          dsl_tensor* out, dsl_tensor* mean, dsl_tensor* rstd) {
  DSL_TRY({
    auto s = check_group_norm("group_norm", T(x), groups, Opt(weight), Opt(bias));
    auto result = at::native_group_norm(T(x).contiguous(), Opt(weight), Opt(bias), s.n, s.c, s.hxw, groups, eps);
    *out = wrap(std::get<0>(result));
    put(mean, std::get<1>(result));
    put(rstd, std::get<2>(result));
  });
}
DSL_EXPORT dsl_group_norm_out(dsl_tensor out, dsl_tensor mean, dsl_tensor rstd, dsl_tensor x, int64_t groups,
                              dsl_tensor weight, dsl_tensor bias, double eps) {
  DSL_TRY({
    auto s = check_group_norm("group_norm", T(x), groups, Opt(weight), Opt(bias));
    if (mean != nullptr && rstd != nullptr) {
      at::native_group_norm_out(T(out), T(mean), T(rstd), T(x).contiguous(), Opt(weight), Opt(bias), s.n, s.c, s.hxw, groups, eps);
    } else {
      auto result = at::native_group_norm(T(x).contiguous(), Opt(weight), Opt(bias), s.n, s.c, s.hxw, groups, eps);
      dsl::nn::assign(T(out), std::get<0>(result));
      put_into(mean, std::get<1>(result));
      put_into(rstd, std::get<2>(result));
    }
  });
}

DSL_EXPORT dsl_group_norm_backward_out(dsl_tensor grad_input, dsl_tensor grad_weight, dsl_tensor grad_bias,
                                       dsl_tensor grad_output, dsl_tensor x, dsl_tensor mean, dsl_tensor rstd,
                                       dsl_tensor weight, int64_t groups) {
  DSL_TRY({
    auto s = check_group_norm("group_norm_backward", T(x), groups, Opt(weight), c10::nullopt);
    TORCH_CHECK(T(grad_output).sizes() == T(x).sizes(), "group_norm_backward: grad_output ", T(grad_output).sizes(),
                " does not match the input ", T(x).sizes());
    TORCH_CHECK(T(mean).numel() == s.n * groups && T(rstd).numel() == s.n * groups,
                "group_norm_backward: mean ", T(mean).sizes(), " and rstd ", T(rstd).sizes(), " must be [", s.n, ", ",
                groups, "] (from the forward pass)");
    // 1.13's kernel fails on an absent weight ("tensor does not have a device"): ones stand in for it.
    auto gamma = weight != nullptr ? T(weight) : at::ones({s.c}, T(x).options());
    auto grads = at::native_group_norm_backward(T(grad_output).contiguous(), T(x).contiguous(), T(mean), T(rstd),
                                                gamma, s.n, s.c, s.hxw, groups,
                                                {grad_input != nullptr, grad_weight != nullptr, grad_bias != nullptr});
    put_into(grad_input, std::get<0>(grads));
    put_into(grad_weight, std::get<1>(grads));
    put_into(grad_bias, std::get<2>(grads));
  });
}

// ---- adaptive average pooling -----------------------------------------------------------------------
// x [N, C, H, W] or [C, H, W] -> [..., out_h, out_w]; window i spans [⌊i·H/out⌋, ⌈(i+1)·H/out⌉).

namespace {
void check_adaptive(const char* op, const at::Tensor& x, int64_t out_h, int64_t out_w) {
  TORCH_CHECK(x.dim() == 3 || x.dim() == 4, op, ": the input must be [N, C, H, W] or [C, H, W], but it is ",
              x.sizes());
  TORCH_CHECK(out_h > 0 && out_w > 0, op, ": the output size (", out_h, ", ", out_w, ") must be positive");
}
}  // namespace

DSL_EXPORT dsl_adaptive_avg_pool2d(dsl_tensor x, int64_t out_h, int64_t out_w, dsl_tensor* out) {
  DSL_TRY({
    check_adaptive("adaptive_avg_pool2d", T(x), out_h, out_w);
    dsl::nn::Pair size{out_h, out_w};
    *out = wrap(at::adaptive_avg_pool2d(T(x), size));
  });
}
DSL_EXPORT dsl_adaptive_avg_pool2d_out(dsl_tensor out, dsl_tensor x, int64_t out_h, int64_t out_w) {
  DSL_TRY({
    check_adaptive("adaptive_avg_pool2d", T(x), out_h, out_w);
    dsl::nn::Pair size{out_h, out_w};
    at::adaptive_avg_pool2d_out(T(out), T(x), size);
  });
}

// out (x's shape) = each upstream value spread evenly over its window.
DSL_EXPORT dsl_adaptive_avg_pool2d_backward_out(dsl_tensor out, dsl_tensor grad_output, dsl_tensor x) {
  DSL_TRY({
    auto& g = T(grad_output);
    auto& input = T(x);
    check_adaptive("adaptive_avg_pool2d_backward", input, 1, 1);
    TORCH_CHECK(g.dim() == input.dim() && g.sizes().slice(0, input.dim() - 2) == input.sizes().slice(0, input.dim() - 2),
                "adaptive_avg_pool2d_backward: grad_output ", g.sizes(), " does not match the input ", input.sizes(),
                " (same leading dims, pooled H and W)");
    at::_adaptive_avg_pool2d_backward_out(T(out), g, input);
  });
}
