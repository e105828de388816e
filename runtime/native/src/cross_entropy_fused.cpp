// Mean cross-entropy of logits [N, C] against Int64 labels [N] together with its gradient for the
// logits, in one pass over the logits (the generated step's loss when nothing else reads it):
//   loss       = (1/n) Σ_i [lse_i - x[i, y_i]]            over the n rows whose label is not ignored
//   dLogits[i] = (softmax(x[i]) - onehot(y_i)) / n         (0 for an ignored row)
// with lse_i = log Σ_c exp(x[i, c]). This equals log_softmax, nll_loss (mean, no weights), a seed of 1,
// nll_loss_backward and log_softmax_backward: five calls and four passes over [N, C] in the unfused step.
// Every label is checked to be in [0, C) or the ignore index. n = 0 gives a NaN loss and zero gradient,
// as nll_loss's 0/0 mean does.
#include "nn.h"

#include <cmath>
#include <limits>

using dsl::T;

namespace {

template <typename scalar_t>
void loss_and_gradient(const scalar_t* x, const int64_t* y, int64_t rows, int64_t classes, int64_t ignore_index,
                       scalar_t* loss, scalar_t* grad) {
  int64_t counted = 0;
  for (int64_t i = 0; i < rows; ++i) {
    if (y[i] == ignore_index) continue;
    TORCH_CHECK(y[i] >= 0 && y[i] < classes, "cross_entropy_with_gradient: target ", y[i], " is out of range for ",
                classes, " classes (logits [", rows, ", ", classes, "])");
    ++counted;
  }
  const double scale = counted > 0 ? 1.0 / static_cast<double>(counted) : 0.0;
  double total = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const scalar_t* row = x + i * classes;
    scalar_t* out = grad + i * classes;
    if (y[i] == ignore_index) {
      for (int64_t c = 0; c < classes; ++c) out[c] = 0;
      continue;
    }
    double max = -std::numeric_limits<double>::infinity();
    for (int64_t c = 0; c < classes; ++c) max = std::max(max, static_cast<double>(row[c]));
    double sum = 0;
    for (int64_t c = 0; c < classes; ++c) {
      const double e = std::exp(static_cast<double>(row[c]) - max);
      out[c] = static_cast<scalar_t>(e);  // exp for now; scaled below once the sum is known
      sum += e;
    }
    const double lse = max + std::log(sum);
    total += lse - static_cast<double>(row[y[i]]);
    const double factor = scale / sum;
    for (int64_t c = 0; c < classes; ++c) out[c] = static_cast<scalar_t>(static_cast<double>(out[c]) * factor);
    out[y[i]] = static_cast<scalar_t>(static_cast<double>(out[y[i]]) - scale);
  }
  *loss = counted > 0 ? static_cast<scalar_t>(total * scale) : std::numeric_limits<scalar_t>::quiet_NaN();
}

}  // namespace

DSL_EXPORT dsl_cross_entropy_with_gradient(dsl_tensor logits, dsl_tensor target, int64_t ignore_index, dsl_tensor loss,
                                           dsl_tensor gradient) {
  DSL_TRY({
    const char* op = "cross_entropy_with_gradient";
    auto& x_in = T(logits);
    auto& y_in = T(target);
    auto& loss_out = T(loss);
    auto& grad_out = T(gradient);
    TORCH_CHECK(x_in.dim() == 2, op, ": the logits must be [N, C], but they are ", x_in.sizes());
    TORCH_CHECK(x_in.device().is_cpu() && y_in.device().is_cpu() && loss_out.device().is_cpu() && grad_out.device().is_cpu(), op,
                ": a CPU kernel, but the logits are on ", x_in.device(), ", the targets on ", y_in.device());
    TORCH_CHECK(x_in.scalar_type() == at::kFloat || x_in.scalar_type() == at::kDouble, op,
                ": the logits must be Float32 or Float64, but they are ", x_in.scalar_type());
    TORCH_CHECK(y_in.scalar_type() == at::kLong, op, ": targets must be Int64 class indices, but they are ",
                y_in.scalar_type());
    TORCH_CHECK(y_in.dim() == 1 && y_in.size(0) == x_in.size(0), op, ": targets ", y_in.sizes(),
                " do not match the logits ", x_in.sizes(), " (expected [", x_in.size(0), "])");
    TORCH_CHECK(loss_out.numel() == 1 && loss_out.scalar_type() == x_in.scalar_type(), op, ": the loss buffer ",
                loss_out.sizes(), " ", loss_out.scalar_type(), " must be one element of the logits' dtype");
    TORCH_CHECK(grad_out.sizes() == x_in.sizes() && grad_out.scalar_type() == x_in.scalar_type(), op,
                ": the gradient buffer ", grad_out.sizes(), " ", grad_out.scalar_type(), " must match the logits ",
                x_in.sizes(), " ", x_in.scalar_type());
    auto x = x_in.contiguous();
    auto y = y_in.contiguous();
    // Written in place when the buffers are contiguous (the generated step's are), else through a copy.
    auto grad = grad_out.is_contiguous() ? grad_out : at::empty_like(x_in, at::MemoryFormat::Contiguous);
    auto value = loss_out.is_contiguous() ? loss_out : at::empty({}, x_in.options());
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "cross_entropy_with_gradient", [&] {
      loss_and_gradient<scalar_t>(x.data_ptr<scalar_t>(), y.data_ptr<int64_t>(), x.size(0), x.size(1), ignore_index,
                                  value.data_ptr<scalar_t>(), grad.data_ptr<scalar_t>());
    });
    if (!grad.is_same(grad_out)) grad_out.copy_(grad);
    if (!value.is_same(loss_out)) loss_out.copy_(value.view(loss_out.sizes()));
  });
}
