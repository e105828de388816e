// Random draws into preallocated buffers, for the random ops of a generated step (Randn, Rand,
// RandInt, Bernoulli). Each draws exactly what the allocating libtorch function draws from the same
// generator state: at::randn is normal_(0, 1), at::rand uniform_(0, 1), at::randint random_(low, high),
// at::bernoulli(p) bernoulli_(p).
#include "common.h"
#include "nn.h"

using dsl::T;

// Integers uniform in [low, high), in the tensor's dtype (Int64 indices, or a floating buffer).
DSL_EXPORT dsl_random_from_to_(dsl_tensor t, int64_t low, int64_t high, dsl_generator g) {
  DSL_TRY({
    TORCH_CHECK(low < high, "randint: low must be less than high, but low is ", low, " and high is ", high);
    T(t).random_(low, high, dsl::nn::generator(g));
  });
}

// out[i] ~ Bernoulli(p[i]): 1 with probability p[i], else 0, in out's dtype; p in [0, 1].
DSL_EXPORT dsl_bernoulli_tensor_(dsl_tensor out, dsl_tensor p, dsl_generator g) {
  DSL_TRY({
    auto& result = T(out);
    TORCH_CHECK(result.sizes() == T(p).sizes(), "bernoulli: the output has shape ", result.sizes(),
                " but the probabilities have shape ", T(p).sizes());
    result.bernoulli_(T(p), dsl::nn::generator(g));
  });
}
