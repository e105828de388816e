// Neural-network layers and losses: softmax, losses, conv2d, pooling, layer norm, dropout,
// embedding. Allocating forms dsl_x(..., &out) and dsl_x_out(out, ...) into a caller's buffer.
// 2-d hyperparameters travel as (height, width) int64 pairs.
#include "nn.h"

using dsl::Opt;
using dsl::T;
using dsl::wrap;
using dsl::nn::Pair;

// ---- softmax ----------------------------------------------------------------------------------

DSL_EXPORT dsl_softmax(dsl_tensor x, int64_t dim, dsl_tensor* out) { DSL_TRY(*out = wrap(at::softmax(T(x), dim))); }
DSL_EXPORT dsl_softmax_out(dsl_tensor out, dsl_tensor x, int64_t dim) { DSL_TRY(at::softmax_out(T(out), T(x), dim)); }

DSL_EXPORT dsl_log_softmax(dsl_tensor x, int64_t dim, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::log_softmax(T(x), dim)));
}
DSL_EXPORT dsl_log_softmax_out(dsl_tensor out, dsl_tensor x, int64_t dim) {
  DSL_TRY(at::log_softmax_out(T(out), T(x), dim));
}

// ---- losses -----------------------------------------------------------------------------------

// nll_loss over log-probabilities [C], [N, C] or [N, C, d1, ...] (as torch's F.nll_loss) and Int64
// targets; weight (per class) may be null. total_weight (the sum of the weights of the counted
// targets) is what nll_loss_backward needs.
DSL_EXPORT dsl_nll_loss(dsl_tensor log_probs, dsl_tensor target, dsl_tensor weight, int32_t reduction,
                        int64_t ignore_index, dsl_tensor* out, dsl_tensor* total_weight) {
  DSL_TRY({
    const auto& input = T(log_probs);
    dsl::nn::check_class_targets("nll_loss", input, T(target), ignore_index);
    const auto mode = dsl::nn::reduction(reduction);
    auto result = input.dim() <= 2
      ? at::nll_loss_forward(input, T(target), Opt(weight), mode, ignore_index)
      : at::nll_loss2d_forward(dsl::nn::as_nll2d_input(input), dsl::nn::as_nll2d_target(T(target)), Opt(weight), mode,
                               ignore_index);
    auto loss = std::get<0>(result);
    if (input.dim() > 2 && mode == at::Reduction::None) loss = loss.reshape(T(target).sizes());
    *out = wrap(loss);
    if (total_weight != nullptr) *total_weight = wrap(std::get<1>(result));
  });
}

// total_weight may be null when the backward pass does not need it.
DSL_EXPORT dsl_nll_loss_out(dsl_tensor out, dsl_tensor total_weight, dsl_tensor log_probs, dsl_tensor target,
                            dsl_tensor weight, int32_t reduction, int64_t ignore_index) {
  DSL_TRY({
    const auto& input = T(log_probs);
    dsl::nn::check_class_targets("nll_loss", input, T(target), ignore_index);
    const auto mode = dsl::nn::reduction(reduction);
    if (input.dim() <= 2) {
      if (total_weight != nullptr) {
        at::nll_loss_forward_out(T(out), T(total_weight), input, T(target), Opt(weight), mode, ignore_index);
      } else {
        at::nll_loss_out(T(out), input, T(target), Opt(weight), mode, ignore_index);
      }
      return 0;
    }
    // [N, C, d1, ...]: nll_loss2d into a view of `out` ([N, 1, D] for no reduction).
    if (mode == at::Reduction::None && T(out).sizes() != T(target).sizes()) T(out).resize_(T(target).sizes());
    auto loss = mode == at::Reduction::None ? dsl::nn::nll2d_target_view(T(out)) : T(out);
    auto weight_sum = total_weight != nullptr ? T(total_weight) : at::empty({}, input.options());
    at::nll_loss2d_forward_out(loss, weight_sum, dsl::nn::as_nll2d_input(input), dsl::nn::as_nll2d_target(T(target)),
                               Opt(weight), mode, ignore_index);
  });
}

// cross_entropy (class dims, label smoothing) and its gradient are in cross_entropy.cpp.

DSL_EXPORT dsl_mse_loss(dsl_tensor input, dsl_tensor target, int32_t reduction, dsl_tensor* out) {
  DSL_TRY({
    dsl::nn::check_same_shape("mse_loss", T(input), T(target));
    *out = wrap(at::mse_loss(T(input), T(target), dsl::nn::reduction(reduction)));
  });
}
DSL_EXPORT dsl_mse_loss_out(dsl_tensor out, dsl_tensor input, dsl_tensor target, int32_t reduction) {
  DSL_TRY({
    dsl::nn::check_same_shape("mse_loss", T(input), T(target));
    // 1.13's mse_loss_out with a reduction first resizes `out` to the elementwise shape (a
    // deprecated resize, with a warning, and a reallocation every call): reduce, then copy.
    if (dsl::nn::reduction(reduction) == at::Reduction::None)
      at::mse_loss_out(T(out), T(input), T(target), at::Reduction::None);
    else
      T(out).copy_(at::mse_loss(T(input), T(target), dsl::nn::reduction(reduction)));
  });
}

// weight (broadcast over the elements) and pos_weight (per class, last dimension) may be null.
DSL_EXPORT dsl_binary_cross_entropy_with_logits(dsl_tensor logits, dsl_tensor target, dsl_tensor weight,
                                                dsl_tensor pos_weight, int32_t reduction, dsl_tensor* out) {
  DSL_TRY({
    dsl::nn::check_same_shape("binary_cross_entropy_with_logits", T(logits), T(target));
    *out = wrap(at::binary_cross_entropy_with_logits(T(logits), T(target), Opt(weight), Opt(pos_weight),
                                                     dsl::nn::reduction(reduction)));
  });
}
DSL_EXPORT dsl_binary_cross_entropy_with_logits_out(dsl_tensor out, dsl_tensor logits, dsl_tensor target,
                                                    dsl_tensor weight, dsl_tensor pos_weight, int32_t reduction) {
  DSL_TRY({
    dsl::nn::check_same_shape("binary_cross_entropy_with_logits", T(logits), T(target));
    at::binary_cross_entropy_with_logits_out(T(out), T(logits), T(target), Opt(weight), Opt(pos_weight),
                                             dsl::nn::reduction(reduction));
  });
}

// ---- convolution ------------------------------------------------------------------------------

// input [N, C, H, W] (or unbatched [C, H, W]), weight [O, C/groups, kH, kW], bias [O] or null.
DSL_EXPORT dsl_conv2d(dsl_tensor input, dsl_tensor weight, dsl_tensor bias, int64_t stride_h, int64_t stride_w,
                      int64_t padding_h, int64_t padding_w, int64_t dilation_h, int64_t dilation_w, int64_t groups,
                      dsl_tensor* out) {
  DSL_TRY({
    Pair stride{stride_h, stride_w}, padding{padding_h, padding_w}, dilation{dilation_h, dilation_w};
    *out = wrap(at::conv2d(T(input), T(weight), Opt(bias), stride, padding, dilation, groups));
  });
}
DSL_EXPORT dsl_conv2d_out(dsl_tensor out, dsl_tensor input, dsl_tensor weight, dsl_tensor bias, int64_t stride_h,
                          int64_t stride_w, int64_t padding_h, int64_t padding_w, int64_t dilation_h,
                          int64_t dilation_w, int64_t groups) {
  DSL_TRY({
    Pair stride{stride_h, stride_w}, padding{padding_h, padding_w}, dilation{dilation_h, dilation_w};
    if (dsl::nn::single_channel_conv(T(input), T(weight), dilation, groups) && T(out).is_contiguous()) {
      const Pair kernel{T(weight).size(2), T(weight).size(3)};
      at::_slow_conv2d_forward_out(T(out), T(input), T(weight).contiguous(), kernel, Opt(bias), stride, padding);
    } else if (T(input).dim() == 4) {
      Pair no_output_padding{0, 0};
      at::convolution_out(T(out), T(input), T(weight), Opt(bias), stride, padding, dilation, false, no_output_padding,
                          groups);
    } else {
      // conv2d's checks and unbatched handling, then a copy.
      dsl::nn::assign(T(out), at::conv2d(T(input), T(weight), Opt(bias), stride, padding, dilation, groups));
    }
  });
}

// ---- pooling ----------------------------------------------------------------------------------
// A stride of (0, 0) means "equal to the kernel", PyTorch's default.

DSL_EXPORT dsl_max_pool2d_with_indices(dsl_tensor x, int64_t kernel_h, int64_t kernel_w, int64_t stride_h,
                                       int64_t stride_w, int64_t padding_h, int64_t padding_w, int64_t dilation_h,
                                       int64_t dilation_w, int32_t ceil_mode, dsl_tensor* out, dsl_tensor* indices) {
  DSL_TRY({
    Pair kernel{kernel_h, kernel_w}, stride{stride_h, stride_w}, padding{padding_h, padding_w},
        dilation{dilation_h, dilation_w};
    at::Tensor values, picked;
    if (!dsl::nn::max_pool2d_tiled(values, picked, T(x), kernel, dsl::nn::pool_stride(stride), padding, dilation,
                                   ceil_mode != 0)) {
      std::tie(values, picked) = at::max_pool2d_with_indices(T(x), kernel, dsl::nn::pool_stride(stride), padding,
                                                             dilation, ceil_mode != 0);
    }
    *out = wrap(values);
    *indices = wrap(picked);
  });
}
DSL_EXPORT dsl_max_pool2d_with_indices_out(dsl_tensor out, dsl_tensor indices, dsl_tensor x, int64_t kernel_h,
                                           int64_t kernel_w, int64_t stride_h, int64_t stride_w, int64_t padding_h,
                                           int64_t padding_w, int64_t dilation_h, int64_t dilation_w,
                                           int32_t ceil_mode) {
  DSL_TRY({
    Pair kernel{kernel_h, kernel_w}, stride{stride_h, stride_w}, padding{padding_h, padding_w},
        dilation{dilation_h, dilation_w};
    if (dsl::nn::max_pool2d_tiled(T(out), T(indices), T(x), kernel, dsl::nn::pool_stride(stride), padding, dilation,
                                  ceil_mode != 0)) {
      return 0;
    }
    at::max_pool2d_with_indices_out(T(out), T(indices), T(x), kernel, dsl::nn::pool_stride(stride), padding, dilation,
                                    ceil_mode != 0);
  });
}

DSL_EXPORT dsl_max_pool2d(dsl_tensor x, int64_t kernel_h, int64_t kernel_w, int64_t stride_h, int64_t stride_w,
                          int64_t padding_h, int64_t padding_w, int64_t dilation_h, int64_t dilation_w,
                          int32_t ceil_mode, dsl_tensor* out) {
  DSL_TRY({
    Pair kernel{kernel_h, kernel_w}, stride{stride_h, stride_w}, padding{padding_h, padding_w},
        dilation{dilation_h, dilation_w};
    *out = wrap(at::max_pool2d(T(x), kernel, dsl::nn::pool_stride(stride), padding, dilation, ceil_mode != 0));
  });
}
DSL_EXPORT dsl_max_pool2d_out(dsl_tensor out, dsl_tensor x, int64_t kernel_h, int64_t kernel_w, int64_t stride_h,
                              int64_t stride_w, int64_t padding_h, int64_t padding_w, int64_t dilation_h,
                              int64_t dilation_w, int32_t ceil_mode) {
  DSL_TRY({
    Pair kernel{kernel_h, kernel_w}, stride{stride_h, stride_w}, padding{padding_h, padding_w},
        dilation{dilation_h, dilation_w};
    dsl::nn::assign(T(out),
                    at::max_pool2d(T(x), kernel, dsl::nn::pool_stride(stride), padding, dilation, ceil_mode != 0));
  });
}

// divisor_override 0 means none.
DSL_EXPORT dsl_avg_pool2d(dsl_tensor x, int64_t kernel_h, int64_t kernel_w, int64_t stride_h, int64_t stride_w,
                          int64_t padding_h, int64_t padding_w, int32_t ceil_mode, int32_t count_include_pad,
                          int64_t divisor_override, dsl_tensor* out) {
  DSL_TRY({
    Pair kernel{kernel_h, kernel_w}, stride{stride_h, stride_w}, padding{padding_h, padding_w};
    *out = wrap(at::avg_pool2d(T(x), kernel, dsl::nn::pool_stride(stride), padding, ceil_mode != 0,
                               count_include_pad != 0, dsl::nn::divisor(divisor_override)));
  });
}
DSL_EXPORT dsl_avg_pool2d_out(dsl_tensor out, dsl_tensor x, int64_t kernel_h, int64_t kernel_w, int64_t stride_h,
                              int64_t stride_w, int64_t padding_h, int64_t padding_w, int32_t ceil_mode,
                              int32_t count_include_pad, int64_t divisor_override) {
  DSL_TRY({
    Pair kernel{kernel_h, kernel_w}, stride{stride_h, stride_w}, padding{padding_h, padding_w};
    at::avg_pool2d_out(T(out), T(x), kernel, dsl::nn::pool_stride(stride), padding, ceil_mode != 0,
                       count_include_pad != 0, dsl::nn::divisor(divisor_override));
  });
}

// ---- layer norm -------------------------------------------------------------------------------

// Normalizes over the trailing dims given by normalized_shape. mean and rstd (1/√(var+eps)),
// shaped like the input with the normalized dims set to 1, are what the backward pass needs;
// their out pointers (or buffers) may be null.
DSL_EXPORT dsl_layer_norm(dsl_tensor x, const int64_t* normalized_shape, int32_t rank, dsl_tensor weight,
                          dsl_tensor bias, double eps, dsl_tensor* out, dsl_tensor* mean, dsl_tensor* rstd) {
  DSL_TRY({
    auto result = at::native_layer_norm(T(x), dsl::dims(normalized_shape, rank), Opt(weight), Opt(bias), eps);
    *out = wrap(std::get<0>(result));
    if (mean != nullptr) *mean = wrap(std::get<1>(result));
    if (rstd != nullptr) *rstd = wrap(std::get<2>(result));
  });
}
DSL_EXPORT dsl_layer_norm_out(dsl_tensor out, dsl_tensor mean, dsl_tensor rstd, dsl_tensor x,
                              const int64_t* normalized_shape, int32_t rank, dsl_tensor weight, dsl_tensor bias,
                              double eps) {
  DSL_TRY({
    auto shape = dsl::dims(normalized_shape, rank);
    if (mean != nullptr && rstd != nullptr) {
      at::native_layer_norm_out(T(out), T(mean), T(rstd), T(x), shape, Opt(weight), Opt(bias), eps);
    } else {
      auto result = at::native_layer_norm(T(x), shape, Opt(weight), Opt(bias), eps);
      dsl::nn::assign(T(out), std::get<0>(result));
      if (mean != nullptr) dsl::nn::assign(T(mean), std::get<1>(result));
      if (rstd != nullptr) dsl::nn::assign(T(rstd), std::get<2>(result));
    }
  });
}

// ---- dropout ----------------------------------------------------------------------------------

namespace {

// mask ~ Bernoulli(1 - p) (0 or 1, in the mask's dtype), out = x · mask / (1 - p).
void dropout_into(at::Tensor& out, at::Tensor& mask, const at::Tensor& x, double p, dsl_generator g) {
  TORCH_CHECK(p >= 0 && p <= 1, "dropout: p must be in [0, 1], but it is ", p);
  if (mask.sizes() != x.sizes()) mask.resize_(x.sizes());
  mask.bernoulli_(1 - p, dsl::nn::generator(g));
  at::mul_out(out, x, mask);
  if (p == 1) {
    out.zero_();  // x·0/0 would be NaN
  } else if (p > 0) {
    out.mul_(1 / (1 - p));
  }
}

}  // namespace

// Inverted dropout: the mask (in x's dtype) is what the backward pass multiplies by.
DSL_EXPORT dsl_dropout(dsl_tensor x, double p, dsl_generator g, dsl_tensor* out, dsl_tensor* mask) {
  DSL_TRY({
    auto result = at::empty_like(T(x));
    auto keep = at::empty_like(T(x));
    dropout_into(result, keep, T(x), p, g);
    *out = wrap(std::move(result));
    *mask = wrap(std::move(keep));
  });
}
DSL_EXPORT dsl_dropout_out(dsl_tensor out, dsl_tensor mask, dsl_tensor x, double p, dsl_generator g) {
  DSL_TRY(dropout_into(T(out), T(mask), T(x), p, g));
}

// ---- embedding --------------------------------------------------------------------------------

// out[..., :] = weight[indices[...], :]; weight [num_embeddings, dim], integer indices of any shape.
DSL_EXPORT dsl_embedding(dsl_tensor weight, dsl_tensor indices, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::embedding(T(weight), T(indices))));
}
DSL_EXPORT dsl_embedding_out(dsl_tensor out, dsl_tensor weight, dsl_tensor indices) {
  DSL_TRY(at::embedding_out(T(out), T(weight), T(indices)));
}
