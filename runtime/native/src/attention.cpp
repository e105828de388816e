// Scaled dot-product attention and its gradient, composed from ATen calls (1.13 has no usable
// fused op): scores = q·kᵀ·scale, causal positions masked to -∞, probs = softmax(scores) along the
// keys, out = probs·v. The probabilities go into a buffer the caller owns: the backward pass needs
// them. q [..., Tq, D], k [..., Tk, D], v [..., Tk, Dv], all with the same leading (batch) dims.
// A NaN scale means the default 1/√D. The causal mask is aligned top-left, as torch's is_causal:
// query i sees keys 0..i.
#include "common.h"

#include <cmath>
#include <limits>

using dsl::T;
using dsl::wrap;

namespace {

void check_attention(const char* op, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  TORCH_CHECK(q.dim() >= 2, op, ": the queries must be [..., T, D], but they are ", q.sizes());
  TORCH_CHECK(k.dim() == q.dim() && v.dim() == q.dim(), op, ": queries ", q.sizes(), ", keys ", k.sizes(),
              " and values ", v.sizes(), " must have the same rank");
  const auto batch = q.dim() - 2;
  TORCH_CHECK(q.sizes().slice(0, batch) == k.sizes().slice(0, batch) &&
                  q.sizes().slice(0, batch) == v.sizes().slice(0, batch),
              op, ": queries ", q.sizes(), ", keys ", k.sizes(), " and values ", v.sizes(),
              " must have the same leading (batch) dims");
  TORCH_CHECK(k.size(-1) == q.size(-1), op, ": queries ", q.sizes(), " and keys ", k.sizes(),
              " must have the same feature size (last dim)");
  TORCH_CHECK(v.size(-2) == k.size(-2), op, ": keys ", k.sizes(), " and values ", v.sizes(),
              " must have the same sequence length (second-to-last dim)");
}

double resolve_scale(const at::Tensor& q, double scale) {
  return std::isnan(scale) ? 1.0 / std::sqrt(static_cast<double>(q.size(-1))) : scale;
}

// probs and out are resized when their shapes differ, as ATen's out= forms do.
void attention_into(at::Tensor& out, at::Tensor& probs, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                    bool causal, double scale) {
  check_attention("scaled_dot_product_attention", q, k, v);
  auto scores = at::matmul(q, k.transpose(-2, -1));
  scores.mul_(resolve_scale(q, scale));
  if (causal) {
    const auto tq = q.size(-2), tk = k.size(-2);
    auto hidden = at::ones({tq, tk}, q.options().dtype(at::kBool)).triu_(1);
    scores.masked_fill_(hidden, -std::numeric_limits<double>::infinity());
  }
  at::softmax_out(probs, scores, -1);
  at::matmul_out(out, probs, v);
}

}  // namespace

DSL_EXPORT dsl_scaled_dot_product_attention(dsl_tensor q, dsl_tensor k, dsl_tensor v, int32_t causal, double scale,
                                            dsl_tensor* out, dsl_tensor* probs) {
  DSL_TRY({
    auto result = at::empty({0}, T(q).options());
    auto p = at::empty({0}, T(q).options());
    attention_into(result, p, T(q), T(k), T(v), causal != 0, scale);
    *out = wrap(std::move(result));
    if (probs != nullptr) *probs = wrap(std::move(p));
  });
}

DSL_EXPORT dsl_scaled_dot_product_attention_out(dsl_tensor out, dsl_tensor probs, dsl_tensor q, dsl_tensor k,
                                                dsl_tensor v, int32_t causal, double scale) {
  DSL_TRY(attention_into(T(out), T(probs), T(q), T(k), T(v), causal != 0, scale));
}

// From the forward's probabilities P: dV = Pᵀ·dO, dS = softmax_backward(dO·Vᵀ, P), dQ = dS·K·scale,
// dK = dSᵀ·Q·scale. Masked positions have P = 0, so their dS is 0: no mask is needed here.
// A null gradient buffer is skipped.
DSL_EXPORT dsl_scaled_dot_product_attention_backward_out(dsl_tensor grad_q, dsl_tensor grad_k, dsl_tensor grad_v,
                                                         dsl_tensor grad_output, dsl_tensor q, dsl_tensor k,
                                                         dsl_tensor v, dsl_tensor probs, double scale) {
  DSL_TRY({
    auto& Q = T(q);
    auto& K = T(k);
    auto& V = T(v);
    auto& P = T(probs);
    auto& dO = T(grad_output);
    const char* op = "scaled_dot_product_attention_backward";
    check_attention(op, Q, K, V);
    auto expected_probs = Q.sizes().vec();
    expected_probs.back() = K.size(-2);
    TORCH_CHECK(P.sizes() == at::IntArrayRef(expected_probs), op, ": the probabilities ", P.sizes(), " must be ",
                at::IntArrayRef(expected_probs), " (queries ", Q.sizes(), ", keys ", K.sizes(), ")");
    auto expected_out = Q.sizes().vec();
    expected_out.back() = V.size(-1);
    TORCH_CHECK(dO.sizes() == at::IntArrayRef(expected_out), op, ": grad_output ", dO.sizes(),
                " does not match the attention's output ", at::IntArrayRef(expected_out));
    if (grad_v != nullptr) at::matmul_out(T(grad_v), P.transpose(-2, -1), dO);
    if (grad_q == nullptr && grad_k == nullptr) return 0;
    auto dS = at::_softmax_backward_data(at::matmul(dO, V.transpose(-2, -1)), P, -1, P.scalar_type());
    dS.mul_(resolve_scale(Q, scale));
    if (grad_q != nullptr) at::matmul_out(T(grad_q), dS, K);
    if (grad_k != nullptr) at::matmul_out(T(grad_k), dS.transpose(-2, -1), Q);
  });
}
