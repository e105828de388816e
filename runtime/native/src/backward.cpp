// Gradients of the nn.cpp ops and of elementwise activations, for the code that compile-time
// differentiation generates: ATen's own backward kernels where they exist in 1.13 and 2.x,
// composites otherwise. Allocating forms dsl_x(..., &out) and dsl_x_out(out, ...).
// In the multi-output forms, a null out pointer (or buffer) skips that gradient.
#include "nn.h"

using dsl::Opt;
using dsl::T;
using dsl::wrap;
using dsl::nn::Pair;

// ---- activations --------------------------------------------------------------------------

// grad · [x > threshold]; with threshold 0 it is ReLU's gradient (x may be ReLU's input or output).
DSL_EXPORT dsl_threshold_backward(dsl_tensor grad_output, dsl_tensor x, double threshold, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::threshold_backward(T(grad_output), T(x), threshold)));
}
DSL_EXPORT dsl_threshold_backward_out(dsl_tensor out, dsl_tensor grad_output, dsl_tensor x, double threshold) {
  DSL_TRY(at::threshold_backward_out(T(out), T(grad_output), T(x), threshold));
}

DSL_EXPORT dsl_gelu_backward(dsl_tensor grad_output, dsl_tensor x, int32_t tanh_approximation, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::gelu_backward(T(grad_output), T(x), tanh_approximation ? "tanh" : "none")));
}
DSL_EXPORT dsl_gelu_backward_out(dsl_tensor out, dsl_tensor grad_output, dsl_tensor x, int32_t tanh_approximation) {
  DSL_TRY(at::gelu_backward_out(T(out), T(grad_output), T(x), tanh_approximation ? "tanh" : "none"));
}

// From the input x.
DSL_EXPORT dsl_silu_backward(dsl_tensor grad_output, dsl_tensor x, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::silu_backward(T(grad_output), T(x))));
}
DSL_EXPORT dsl_silu_backward_out(dsl_tensor out, dsl_tensor grad_output, dsl_tensor x) {
  DSL_TRY(at::silu_backward_out(T(out), T(grad_output), T(x)));
}

// From the output y = sigmoid(x): grad · y · (1 - y).
DSL_EXPORT dsl_sigmoid_backward(dsl_tensor grad_output, dsl_tensor output, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::sigmoid_backward(T(grad_output), T(output))));
}
DSL_EXPORT dsl_sigmoid_backward_out(dsl_tensor out, dsl_tensor grad_output, dsl_tensor output) {
  DSL_TRY(at::sigmoid_backward_out(T(out), T(grad_output), T(output)));
}

// From the output y = tanh(x): grad · (1 - y²).
DSL_EXPORT dsl_tanh_backward(dsl_tensor grad_output, dsl_tensor output, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::tanh_backward(T(grad_output), T(output))));
}
DSL_EXPORT dsl_tanh_backward_out(dsl_tensor out, dsl_tensor grad_output, dsl_tensor output) {
  DSL_TRY(at::tanh_backward_out(T(out), T(grad_output), T(output)));
}

// ---- softmax ------------------------------------------------------------------------------

// From the output y = softmax(x): y · (grad - Σ grad·y). The forward input had y's dtype.
DSL_EXPORT dsl_softmax_backward(dsl_tensor grad_output, dsl_tensor output, int64_t dim, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::_softmax_backward_data(T(grad_output), T(output), dim, T(output).scalar_type())));
}
DSL_EXPORT dsl_softmax_backward_out(dsl_tensor out, dsl_tensor grad_output, dsl_tensor output, int64_t dim) {
  DSL_TRY(at::_softmax_backward_data_out(T(out), T(grad_output), T(output), dim, T(output).scalar_type()));
}

// From the output y = log_softmax(x): grad - exp(y) · Σ grad.
DSL_EXPORT dsl_log_softmax_backward(dsl_tensor grad_output, dsl_tensor output, int64_t dim, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::_log_softmax_backward_data(T(grad_output), T(output), dim, T(output).scalar_type())));
}
DSL_EXPORT dsl_log_softmax_backward_out(dsl_tensor out, dsl_tensor grad_output, dsl_tensor output, int64_t dim) {
  DSL_TRY(at::_log_softmax_backward_data_out(T(out), T(grad_output), T(output), dim, T(output).scalar_type()));
}

// ---- losses -------------------------------------------------------------------------------

// grad_output is a scalar for the mean and sum reductions, the targets' shape ([N] or [N, d1, ...]) for
// none; total_weight comes from the forward pass (dsl_nll_loss). [N, C, d1, ...] runs as nll_loss2d.
DSL_EXPORT dsl_nll_loss_backward(dsl_tensor grad_output, dsl_tensor log_probs, dsl_tensor target, dsl_tensor weight,
                                 int32_t reduction, int64_t ignore_index, dsl_tensor total_weight, dsl_tensor* out) {
  DSL_TRY({
    const auto& input = T(log_probs);
    const auto mode = dsl::nn::reduction(reduction);
    if (input.dim() <= 2) {
      *out = wrap(at::nll_loss_backward(T(grad_output), input, T(target), Opt(weight), mode, ignore_index, T(total_weight)));
    } else {
      auto grad = mode == at::Reduction::None ? dsl::nn::as_nll2d_target(T(grad_output)) : T(grad_output);
      *out = wrap(at::nll_loss2d_backward(grad, dsl::nn::as_nll2d_input(input), dsl::nn::as_nll2d_target(T(target)),
                                          Opt(weight), mode, ignore_index, T(total_weight)).reshape(input.sizes()));
    }
  });
}
DSL_EXPORT dsl_nll_loss_backward_out(dsl_tensor out, dsl_tensor grad_output, dsl_tensor log_probs, dsl_tensor target,
                                     dsl_tensor weight, int32_t reduction, int64_t ignore_index,
                                     dsl_tensor total_weight) {
  DSL_TRY({
    const auto& input = T(log_probs);
    const auto mode = dsl::nn::reduction(reduction);
    if (input.dim() <= 2) {
      at::nll_loss_backward_out(T(out), T(grad_output), input, T(target), Opt(weight), mode, ignore_index,
                                T(total_weight));
      return 0;
    }
    if (T(out).sizes() != input.sizes()) T(out).resize_(input.sizes());
    TORCH_CHECK(T(out).is_contiguous(), "nll_loss_backward: the output ", T(out).sizes(), " must be contiguous");
    auto grad = mode == at::Reduction::None ? dsl::nn::as_nll2d_target(T(grad_output)) : T(grad_output);
    auto into = dsl::nn::as_nll2d_input(T(out));
    at::nll_loss2d_backward_out(into, grad, dsl::nn::as_nll2d_input(input), dsl::nn::as_nll2d_target(T(target)),
                                Opt(weight), mode, ignore_index, T(total_weight));
  });
}

// d/dinput = 2 (input - target) · grad (÷ numel for the mean).
DSL_EXPORT dsl_mse_loss_backward(dsl_tensor grad_output, dsl_tensor input, dsl_tensor target, int32_t reduction,
                                 dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::mse_loss_backward(T(grad_output), T(input), T(target), dsl::nn::reduction(reduction))));
}
DSL_EXPORT dsl_mse_loss_backward_out(dsl_tensor out, dsl_tensor grad_output, dsl_tensor input, dsl_tensor target,
                                     int32_t reduction) {
  DSL_TRY(at::mse_loss_backward_out(T(out), T(grad_output), T(input), T(target), dsl::nn::reduction(reduction)));
}

namespace {

// loss = -w [pw·t·log σ(x) + (1-t)·log(1-σ(x))], so d/dx = w [σ(x)·(pw·t + 1 - t) - pw·t]
// (σ(x) - t without pos_weight), times the upstream gradient, ÷ numel for the mean.
// There is no ATen kernel for it in 2.x, so it is composed here.
at::Tensor bce_with_logits_grad(const at::Tensor& grad_output, const at::Tensor& logits, const at::Tensor& target,
                                const c10::optional<at::Tensor>& weight, const c10::optional<at::Tensor>& pos_weight,
                                int64_t reduction) {
  dsl::nn::check_same_shape("binary_cross_entropy_with_logits_backward", logits, target);
  auto sigma = at::sigmoid(logits);
  at::Tensor grad;
  if (pos_weight.has_value()) {
    auto weighted_target = *pos_weight * target;
    grad = sigma * (weighted_target + 1 - target) - weighted_target;
  } else {
    grad = sigma - target;
  }
  if (weight.has_value()) grad = grad * *weight;
  grad = grad * grad_output;
  if (reduction == at::Reduction::Mean) grad.div_(logits.numel());
  return grad;
}

}  // namespace

DSL_EXPORT dsl_binary_cross_entropy_with_logits_backward(dsl_tensor grad_output, dsl_tensor logits, dsl_tensor target,
                                                         dsl_tensor weight, dsl_tensor pos_weight, int32_t reduction,
                                                         dsl_tensor* out) {
  DSL_TRY(*out = wrap(bce_with_logits_grad(T(grad_output), T(logits), T(target), Opt(weight), Opt(pos_weight),
                                           dsl::nn::reduction(reduction))));
}
DSL_EXPORT dsl_binary_cross_entropy_with_logits_backward_out(dsl_tensor out, dsl_tensor grad_output,
                                                             dsl_tensor logits, dsl_tensor target, dsl_tensor weight,
                                                             dsl_tensor pos_weight, int32_t reduction) {
  DSL_TRY(dsl::nn::assign(T(out), bce_with_logits_grad(T(grad_output), T(logits), T(target), Opt(weight),
                                                       Opt(pos_weight), dsl::nn::reduction(reduction))));
}

// ---- dropout ------------------------------------------------------------------------------

// grad · mask / (1 - p), with the mask of the forward pass.
DSL_EXPORT dsl_dropout_backward(dsl_tensor grad_output, dsl_tensor mask, double p, dsl_tensor* out) {
  DSL_TRY({
    TORCH_CHECK(p >= 0 && p <= 1, "dropout_backward: p must be in [0, 1], but it is ", p);
    *out = wrap(at::mul(T(grad_output), T(mask)).mul_(p == 1 ? 0.0 : 1 / (1 - p)));
  });
}
DSL_EXPORT dsl_dropout_backward_out(dsl_tensor out, dsl_tensor grad_output, dsl_tensor mask, double p) {
  DSL_TRY({
    TORCH_CHECK(p >= 0 && p <= 1, "dropout_backward: p must be in [0, 1], but it is ", p);
    at::mul_out(T(out), T(grad_output), T(mask)).mul_(p == 1 ? 0.0 : 1 / (1 - p));
  });
}

// ---- convolution --------------------------------------------------------------------------

namespace {

using Grads = std::tuple<at::Tensor, at::Tensor, at::Tensor>;

// Gradients of conv2d (input, weight, bias) for the outputs the mask asks for.
Grads conv2d_backward(const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight,
                      const Pair& stride, const Pair& padding, const Pair& dilation, int64_t groups,
                      std::array<bool, 3> mask) {
  TORCH_CHECK(weight.dim() == 4, "conv2d_backward: the weight must be [out, in/groups, kH, kW], but it is ",
              weight.sizes());
  TORCH_CHECK(input.dim() == 3 || input.dim() == 4,
              "conv2d_backward: the input must be [N, C, H, W] or [C, H, W], but it is ", input.sizes());
  TORCH_CHECK(groups > 0, "conv2d_backward: groups must be positive, but it is ", groups);
  const bool unbatched = input.dim() == 3;
  auto batched_input = unbatched ? input.unsqueeze(0) : input;
  TORCH_CHECK(batched_input.size(1) == weight.size(1) * groups, "conv2d_backward: the weight ", weight.sizes(),
              " with groups=", groups, " expects ", weight.size(1) * groups, " input channels, but the input ",
              input.sizes(), " has ", batched_input.size(1));
  // The forward output's shape: the upstream gradient must have it.
  std::vector<int64_t> expected{batched_input.size(0), weight.size(0), 0, 0};
  for (int i = 0; i < 2; ++i) {
    expected[2 + i] =
        (batched_input.size(2 + i) + 2 * padding[i] - dilation[i] * (weight.size(2 + i) - 1) - 1) / stride[i] + 1;
  }
  if (unbatched) expected.erase(expected.begin());
  TORCH_CHECK(grad_output.sizes() == at::IntArrayRef(expected), "conv2d_backward: grad_output ", grad_output.sizes(),
              " does not match the convolution's output ", at::IntArrayRef(expected), " for input ", input.sizes(),
              " and weight ", weight.sizes());

  if (!unbatched && dsl::nn::single_channel_conv(batched_input, weight, dilation, groups)) {
    const Pair kernel{weight.size(2), weight.size(3)};
    return at::_slow_conv2d_backward(grad_output.contiguous(), batched_input, weight.contiguous(), kernel, stride, padding, mask);
  }
  const int64_t bias_size = weight.size(0);
  at::OptionalIntArrayRef bias_sizes;
  if (mask[2]) bias_sizes = at::IntArrayRef(&bias_size, 1);
  const Pair no_output_padding{0, 0};
  auto grads = at::convolution_backward(unbatched ? grad_output.unsqueeze(0) : grad_output, batched_input, weight,
                                        bias_sizes, stride, padding, dilation, false, no_output_padding, groups, mask);
  if (unbatched && mask[0]) std::get<0>(grads) = std::get<0>(grads).squeeze(0);
  return grads;
}

void put(dsl_tensor* target, const at::Tensor& value) {
  if (target != nullptr) *target = wrap(value);
}

void put_into(dsl_tensor target, const at::Tensor& value) {
  if (target != nullptr) dsl::nn::assign(T(target), value);
}

}  // namespace

DSL_EXPORT dsl_conv2d_backward(dsl_tensor grad_output, dsl_tensor input, dsl_tensor weight, int64_t stride_h,
                               int64_t stride_w, int64_t padding_h, int64_t padding_w, int64_t dilation_h,
                               int64_t dilation_w, int64_t groups, dsl_tensor* grad_input, dsl_tensor* grad_weight,
                               dsl_tensor* grad_bias) {
  DSL_TRY({
    auto grads = conv2d_backward(T(grad_output), T(input), T(weight), {stride_h, stride_w}, {padding_h, padding_w},
                                 {dilation_h, dilation_w}, groups,
                                 {grad_input != nullptr, grad_weight != nullptr, grad_bias != nullptr});
    put(grad_input, std::get<0>(grads));
    put(grad_weight, std::get<1>(grads));
    put(grad_bias, std::get<2>(grads));
  });
}
DSL_EXPORT dsl_conv2d_backward_out(dsl_tensor grad_input, dsl_tensor grad_weight, dsl_tensor grad_bias,
                                   dsl_tensor grad_output, dsl_tensor input, dsl_tensor weight, int64_t stride_h,
                                   int64_t stride_w, int64_t padding_h, int64_t padding_w, int64_t dilation_h,
                                   int64_t dilation_w, int64_t groups) {
  DSL_TRY({
    auto grads = conv2d_backward(T(grad_output), T(input), T(weight), {stride_h, stride_w}, {padding_h, padding_w},
                                 {dilation_h, dilation_w}, groups,
                                 {grad_input != nullptr, grad_weight != nullptr, grad_bias != nullptr});
    put_into(grad_input, std::get<0>(grads));
    put_into(grad_weight, std::get<1>(grads));
    put_into(grad_bias, std::get<2>(grads));
  });
}

// ---- pooling ------------------------------------------------------------------------------

// Routes each upstream gradient to the input element the forward pass picked (indices).
DSL_EXPORT dsl_max_pool2d_with_indices_backward(dsl_tensor grad_output, dsl_tensor x, dsl_tensor indices,
                                                int64_t kernel_h, int64_t kernel_w, int64_t stride_h,
                                                int64_t stride_w, int64_t padding_h, int64_t padding_w,
                                                int64_t dilation_h, int64_t dilation_w, int32_t ceil_mode,
                                                dsl_tensor* out) {
  DSL_TRY({
    Pair kernel{kernel_h, kernel_w}, stride{stride_h, stride_w}, padding{padding_h, padding_w},
        dilation{dilation_h, dilation_w};
    at::Tensor grad_input;
    if (!dsl::nn::max_pool2d_tiled_backward(grad_input, T(grad_output), T(x), T(indices), kernel,
                                            dsl::nn::pool_stride(stride), padding, dilation, ceil_mode != 0)) {
      grad_input = at::max_pool2d_with_indices_backward(T(grad_output), T(x), kernel, dsl::nn::pool_stride(stride),
                                                        padding, dilation, ceil_mode != 0, T(indices));
    }
    *out = wrap(grad_input);
  });
}
DSL_EXPORT dsl_max_pool2d_with_indices_backward_out(dsl_tensor out, dsl_tensor grad_output, dsl_tensor x,
                                                    dsl_tensor indices, int64_t kernel_h, int64_t kernel_w,
                                                    int64_t stride_h, int64_t stride_w, int64_t padding_h,
                                                    int64_t padding_w, int64_t dilation_h, int64_t dilation_w,
                                                    int32_t ceil_mode) {
  DSL_TRY({
    Pair kernel{kernel_h, kernel_w}, stride{stride_h, stride_w}, padding{padding_h, padding_w},
        dilation{dilation_h, dilation_w};
    if (dsl::nn::max_pool2d_tiled_backward(T(out), T(grad_output), T(x), T(indices), kernel,
                                           dsl::nn::pool_stride(stride), padding, dilation, ceil_mode != 0)) {
      return 0;
    }
    at::max_pool2d_with_indices_backward_out(T(out), T(grad_output), T(x), kernel, dsl::nn::pool_stride(stride),
                                             padding, dilation, ceil_mode != 0, T(indices));
  });
}

// The derivative of max pooling's backward for its upstream gradient (that backward is linear in it):
// values [N, C, H, W] read at the forward's saved indices [N, C, oh, ow] (flat positions in H·W),
// out[n, c, i, j] = values[n, c, indices[n, c, i, j]]. Any windows, overlapping ones included.
namespace {
void check_pool_gather(const at::Tensor& values, const at::Tensor& indices) {
  TORCH_CHECK(values.dim() == 4 && indices.dim() == 4 && values.size(0) == indices.size(0) &&
                  values.size(1) == indices.size(1),
              "max_pool2d_gather: the values must be [N, C, H, W] and the indices [N, C, oh, ow] with the same N and C, ",
              "but they are ", values.sizes(), " and ", indices.sizes());
  TORCH_CHECK(indices.scalar_type() == at::kLong, "max_pool2d_gather: the indices must be Int64, but they are ",
              indices.scalar_type());
}
at::Tensor flat_positions(const at::Tensor& t) { return t.reshape({t.size(0), t.size(1), t.size(2) * t.size(3)}); }
}  // namespace

DSL_EXPORT dsl_max_pool2d_gather(dsl_tensor values, dsl_tensor indices, dsl_tensor* out) {
  DSL_TRY({
    check_pool_gather(T(values), T(indices));
    *out = wrap(at::gather(flat_positions(T(values)), 2, flat_positions(T(indices))).reshape(T(indices).sizes()));
  });
}
DSL_EXPORT dsl_max_pool2d_gather_out(dsl_tensor out, dsl_tensor values, dsl_tensor indices) {
  DSL_TRY({
    check_pool_gather(T(values), T(indices));
    TORCH_CHECK(T(out).sizes() == T(indices).sizes() && T(out).is_contiguous(), "max_pool2d_gather: the output ",
                T(out).sizes(), " must be contiguous and of the indices' shape ", T(indices).sizes());
    auto into = flat_positions(T(out));
    at::gather_out(into, flat_positions(T(values)), 2, flat_positions(T(indices)));
  });
}

DSL_EXPORT dsl_avg_pool2d_backward(dsl_tensor grad_output, dsl_tensor x, int64_t kernel_h, int64_t kernel_w,
                                   int64_t stride_h, int64_t stride_w, int64_t padding_h, int64_t padding_w,
                                   int32_t ceil_mode, int32_t count_include_pad, int64_t divisor_override,
                                   dsl_tensor* out) {
  DSL_TRY({
    Pair kernel{kernel_h, kernel_w}, stride{stride_h, stride_w}, padding{padding_h, padding_w};
    *out = wrap(at::avg_pool2d_backward(T(grad_output), T(x), kernel, dsl::nn::pool_stride(stride), padding,
                                        ceil_mode != 0, count_include_pad != 0, dsl::nn::divisor(divisor_override)));
  });
}
DSL_EXPORT dsl_avg_pool2d_backward_out(dsl_tensor out, dsl_tensor grad_output, dsl_tensor x, int64_t kernel_h,
                                       int64_t kernel_w, int64_t stride_h, int64_t stride_w, int64_t padding_h,
                                       int64_t padding_w, int32_t ceil_mode, int32_t count_include_pad,
                                       int64_t divisor_override) {
  DSL_TRY({
    Pair kernel{kernel_h, kernel_w}, stride{stride_h, stride_w}, padding{padding_h, padding_w};
    at::avg_pool2d_backward_out(T(out), T(grad_output), T(x), kernel, dsl::nn::pool_stride(stride), padding,
                                ceil_mode != 0, count_include_pad != 0, dsl::nn::divisor(divisor_override));
  });
}

// ---- layer norm ---------------------------------------------------------------------------

namespace {

Grads layer_norm_backward(const at::Tensor& grad_output, const at::Tensor& x, at::IntArrayRef normalized_shape,
                          const at::Tensor& mean, const at::Tensor& rstd, const c10::optional<at::Tensor>& weight,
                          const c10::optional<at::Tensor>& bias, std::array<bool, 3> mask) {
  TORCH_CHECK(!mask[1] || weight.has_value(), "layer_norm_backward: a weight gradient was asked for without a weight");
  TORCH_CHECK(!mask[2] || bias.has_value(), "layer_norm_backward: a bias gradient was asked for without a bias");
  TORCH_CHECK(grad_output.sizes() == x.sizes(), "layer_norm_backward: grad_output ", grad_output.sizes(),
              " does not match the input ", x.sizes());
  return at::native_layer_norm_backward(grad_output, x, normalized_shape, mean, rstd, weight, bias, mask);
}

}  // namespace

// mean and rstd are the forward pass's statistics (dsl_layer_norm).
DSL_EXPORT dsl_layer_norm_backward(dsl_tensor grad_output, dsl_tensor x, const int64_t* normalized_shape,
                                   int32_t rank, dsl_tensor mean, dsl_tensor rstd, dsl_tensor weight, dsl_tensor bias,
                                   dsl_tensor* grad_input, dsl_tensor* grad_weight, dsl_tensor* grad_bias) {
  DSL_TRY({
    auto grads = layer_norm_backward(T(grad_output), T(x), dsl::dims(normalized_shape, rank), T(mean), T(rstd),
                                     Opt(weight), Opt(bias),
                                     {grad_input != nullptr, grad_weight != nullptr, grad_bias != nullptr});
    put(grad_input, std::get<0>(grads));
    put(grad_weight, std::get<1>(grads));
    put(grad_bias, std::get<2>(grads));
  });
}
DSL_EXPORT dsl_layer_norm_backward_out(dsl_tensor grad_input, dsl_tensor grad_weight, dsl_tensor grad_bias,
                                       dsl_tensor grad_output, dsl_tensor x, const int64_t* normalized_shape,
                                       int32_t rank, dsl_tensor mean, dsl_tensor rstd, dsl_tensor weight,
                                       dsl_tensor bias) {
  DSL_TRY({
    auto grads = layer_norm_backward(T(grad_output), T(x), dsl::dims(normalized_shape, rank), T(mean), T(rstd),
                                     Opt(weight), Opt(bias),
                                     {grad_input != nullptr, grad_weight != nullptr, grad_bias != nullptr});
    put_into(grad_input, std::get<0>(grads));
    put_into(grad_weight, std::get<1>(grads));
    put_into(grad_bias, std::get<2>(grads));
  });
}

// ---- embedding ----------------------------------------------------------------------------

// Scatter-adds grad rows into a [num_weights, dim] gradient; the padding_idx row (-1: none)
// gets nothing; with scale_grad_by_freq each row is divided by its index's count in the batch.
DSL_EXPORT dsl_embedding_backward(dsl_tensor grad_output, dsl_tensor indices, int64_t num_weights,
                                  int64_t padding_idx, int32_t scale_grad_by_freq, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::embedding_dense_backward(T(grad_output), T(indices), num_weights, padding_idx,
                                                   scale_grad_by_freq != 0)));
}
DSL_EXPORT dsl_embedding_backward_out(dsl_tensor out, dsl_tensor grad_output, dsl_tensor indices, int64_t num_weights,
                                      int64_t padding_idx, int32_t scale_grad_by_freq) {
  DSL_TRY(at::embedding_dense_backward_out(T(out), T(grad_output), T(indices), num_weights, padding_idx,
                                           scale_grad_by_freq != 0));
}
