// Cross-entropy over class indices as torch's F.cross_entropy: logits [C], [N, C] or [N, C, d1, ...]
// (classes along dim 1, or dim 0 unbatched), Int64 targets [], [N] or [N, d1, ...], optional class
// weights [C], an ignore index, and label smoothing ε:
//   loss = (1 - ε)·nll(log_softmax(x), y) + (ε/C)·Σ_c -w_c·log_softmax(x)_c
// with torch 1.13's reductions (the mean divides the nll part by Σ w[y] over counted targets, and
// the smoothing part by the same with weights, by the number of counted targets without).
#include "nn.h"

using dsl::Opt;
using dsl::T;
using dsl::wrap;

namespace {

// logits [C] / [N, C, ...] against targets [] / [N, ...]; every target in [0, C) or the ignore index.
void check_targets(const char* op, const at::Tensor& logits, const at::Tensor& target,
                   const c10::optional<at::Tensor>& weight, int64_t ignore_index, double label_smoothing) {
  TORCH_CHECK(logits.dim() >= 1, op, ": the logits must be [C], [N, C] or [N, C, d1, ...], but they are a scalar");
  TORCH_CHECK(target.scalar_type() == at::kLong, op, ": targets must be Int64 class indices, but they are ",
              target.scalar_type());
  const bool unbatched = logits.dim() == 1;
  bool match = target.dim() == logits.dim() - 1;
  if (match && !unbatched) {
    match = target.size(0) == logits.size(0);
    for (int64_t d = 2; match && d < logits.dim(); ++d) match = target.size(d - 1) == logits.size(d);
  }
  TORCH_CHECK(match, op, ": targets ", target.sizes(), " do not match the logits ", logits.sizes(),
              " (expected the logits' shape without the class dim ", unbatched ? 0 : 1, ")");
  const int64_t classes = logits.size(unbatched ? 0 : 1);
  if (weight.has_value()) {
    TORCH_CHECK(weight->dim() == 1 && weight->size(0) == classes, op, ": the class weights ", weight->sizes(),
                " must be [", classes, "] for the logits ", logits.sizes());
  }
  TORCH_CHECK(label_smoothing >= 0 && label_smoothing <= 1, op, ": label smoothing must be in [0, 1], but it is ",
              label_smoothing);
  if (target.numel() == 0) return;
  auto bad = at::logical_and(at::logical_or(target.lt(0), target.ge(classes)), target.ne(ignore_index));
  if (bad.any().item<bool>()) {
    auto first = target.masked_select(bad).select(0, 0).item<int64_t>();
    TORCH_CHECK(false, op, ": target ", first, " is out of range for ", classes, " classes (logits ", logits.sizes(),
                ")");
  }
}

at::Tensor forward(const at::Tensor& logits, const at::Tensor& target, const c10::optional<at::Tensor>& weight,
                   int64_t reduction, int64_t ignore_index, double label_smoothing) {
  check_targets("cross_entropy", logits, target, weight, ignore_index, label_smoothing);
  return at::cross_entropy_loss(logits, target, weight, reduction, ignore_index, label_smoothing);
}

// d loss / d logits = log_softmax_backward(d loss / d log_softmax): with L = log_softmax(x) and,
// per counted target position i, dL[i, c] = -s_i·((1 - ε)·w[y_i]·[c = y_i] + (ε/C)·w_c), s_i the
// upstream gradient (÷ the reduction's divisor for the mean).
at::Tensor backward(const at::Tensor& grad, const at::Tensor& logits_in, const at::Tensor& target_in,
                    const c10::optional<at::Tensor>& weight, int64_t reduction, int64_t ignore_index,
                    double label_smoothing) {
  const char* op = "cross_entropy_backward";
  check_targets(op, logits_in, target_in, weight, ignore_index, label_smoothing);
  const bool unbatched = logits_in.dim() == 1;
  auto logits = unbatched ? logits_in.unsqueeze(0) : logits_in;
  auto target = unbatched ? target_in.unsqueeze(0) : target_in;
  if (reduction == at::Reduction::None) {
    TORCH_CHECK(grad.sizes() == target_in.sizes(), op, ": with reduction none the gradient ", grad.sizes(),
                " must have the targets' shape ", target_in.sizes());
  } else {
    TORCH_CHECK(grad.numel() == 1, op, ": a reduced loss has a scalar gradient, but it is ", grad.sizes());
  }
  const int64_t classes = logits.size(1);
  auto log_probs = at::log_softmax(logits, 1);
  auto counted = target.ne(ignore_index).to(logits.scalar_type());
  auto safe_target = target.masked_fill(target.eq(ignore_index), 0);
  auto class_weight = weight.has_value() ? weight->to(logits.scalar_type()) : at::ones({classes}, logits.options());
  auto target_weight = class_weight.index_select(0, safe_target.reshape(-1)).view(target.sizes()) * counted;

  auto upstream = reduction == at::Reduction::None ? (unbatched ? grad.unsqueeze(0) : grad) : grad.reshape({});
  auto nll_scale = upstream;
  auto smooth_scale = upstream;
  if (reduction == at::Reduction::Mean) {
    auto total = target_weight.sum();
    nll_scale = upstream / total;
    smooth_scale = weight.has_value() ? nll_scale : upstream / counted.sum();
  }
  auto d_log_probs = at::zeros_like(log_probs);
  d_log_probs.scatter_(1, safe_target.unsqueeze(1), (target_weight * nll_scale * -(1 - label_smoothing)).unsqueeze(1));
  if (label_smoothing > 0) {
    std::vector<int64_t> class_shape(static_cast<size_t>(logits.dim()), 1);
    class_shape[1] = classes;
    auto per_position = (counted * smooth_scale).unsqueeze(1);
    d_log_probs.sub_(class_weight.view(class_shape) * per_position * (label_smoothing / classes));
  }
  auto result = at::_log_softmax_backward_data(d_log_probs, log_probs, 1, log_probs.scalar_type());
  return unbatched ? result.squeeze(0) : result;
}

}  // namespace

DSL_EXPORT dsl_cross_entropy(dsl_tensor logits, dsl_tensor target, dsl_tensor weight, int32_t reduction,
                             int64_t ignore_index, double label_smoothing, dsl_tensor* out) {
  DSL_TRY(*out = wrap(forward(T(logits), T(target), Opt(weight), dsl::nn::reduction(reduction), ignore_index,
                              label_smoothing)));
}
DSL_EXPORT dsl_cross_entropy_out(dsl_tensor out, dsl_tensor logits, dsl_tensor target, dsl_tensor weight,
                                 int32_t reduction, int64_t ignore_index, double label_smoothing) {
  DSL_TRY(dsl::nn::assign(T(out), forward(T(logits), T(target), Opt(weight), dsl::nn::reduction(reduction),
                                          ignore_index, label_smoothing)));
}

DSL_EXPORT dsl_cross_entropy_backward(dsl_tensor grad, dsl_tensor logits, dsl_tensor target, dsl_tensor weight,
                                      int32_t reduction, int64_t ignore_index, double label_smoothing,
                                      dsl_tensor* out) {
  DSL_TRY(*out = wrap(backward(T(grad), T(logits), T(target), Opt(weight), dsl::nn::reduction(reduction), ignore_index,
                               label_smoothing)));
}
DSL_EXPORT dsl_cross_entropy_backward_out(dsl_tensor out, dsl_tensor grad, dsl_tensor logits, dsl_tensor target,
                                          dsl_tensor weight, int32_t reduction, int64_t ignore_index,
                                          double label_smoothing) {
  DSL_TRY(dsl::nn::assign(T(out), backward(T(grad), T(logits), T(target), Opt(weight), dsl::nn::reduction(reduction),
                                           ignore_index, label_smoothing)));
}
