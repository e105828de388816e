// Kernels the generated step needs for the language's ops that have no ATen counterpart of their
// own: the backward of an axis reduction (the gradient put back along the reduced axes).
#include "common.h"

using dsl::T;

// out = g with size-1 axes inserted at `dims` (axes of out, ascending, empty when g kept them),
// broadcast to out's shape; divided by the number of elements each output element of g stood
// for when `mean` (the backward of a mean over those axes).
DSL_EXPORT dsl_expand_axes_out(dsl_tensor out, dsl_tensor gradient, const int64_t* dims, int32_t ndims, int32_t mean) {
  DSL_TRY({
    auto& o = T(out);
    auto g = T(gradient);
    TORCH_CHECK(g.dim() + ndims == o.dim(), "expand_axes: the gradient ", g.sizes(), " with ", ndims,
                " axes put back does not have the rank of the output ", o.sizes());
    for (int32_t i = 0; i < ndims; ++i) {
      auto d = dims[i];
      TORCH_CHECK(d >= 0 && d < o.dim(), "expand_axes: axis ", d, " is out of range for the output ", o.sizes());
      g = g.unsqueeze(d);
    }
    o.copy_(g.expand(o.sizes()));
    if (mean != 0 && o.numel() > 0) o.mul_(static_cast<double>(T(gradient).numel()) / static_cast<double>(o.numel()));
  });
}
