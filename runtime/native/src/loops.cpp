// Run-time loops of generated steps: the values a loop carries are saved one row per iteration
// into a buffer with a leading length axis, and read back by the reversed loop of the backward pass.
#include "common.h"

using dsl::T;

// rows[row] = source (rows has source's shape with one more, leading, axis).
DSL_EXPORT dsl_copy_to_row(dsl_tensor rows, dsl_tensor source, int64_t row) {
  DSL_TRY({
    auto& r = T(rows);
    auto& s = T(source);
    TORCH_CHECK(r.dim() == s.dim() + 1, "copy_to_row: the rows ", r.sizes(), " must have one more axis than the value ", s.sizes());
    TORCH_CHECK(row >= 0 && row < r.size(0), "copy_to_row: row ", row, " is outside the ", r.size(0), " rows of ", r.sizes());
    r.select(0, row).copy_(s);
  });
}
