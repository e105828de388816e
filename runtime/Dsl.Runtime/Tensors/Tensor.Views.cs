using System.Runtime.CompilerServices;
namespace Dsl;

// Views as instance methods, so shape plumbing reads left to right: x.Reshape(b, -1).Transpose(0, 1).
// Each returns a new Tensor sharing this one's storage (see Ops.Shape.cs for the details).
public sealed partial class Tensor
{
    /// <inheritdoc cref="Ops.Reshape(Tensor, ReadOnlySpan{long})"/>
    [OverloadResolutionPriority(1)] // [2, 3] is a span, not a Shape
    public Tensor Reshape(params ReadOnlySpan<long> shape) => Ops.Reshape(this, shape);

    /// <inheritdoc cref="Ops.Reshape(Tensor, ReadOnlySpan{long})"/>
    public Tensor Reshape(Shape shape) => Ops.Reshape(this, shape.Dims);

    /// <inheritdoc cref="Ops.View(Tensor, ReadOnlySpan{long})"/>
    [OverloadResolutionPriority(1)] // [2, 3] is a span, not a Shape
    public Tensor View(params ReadOnlySpan<long> shape) => Ops.View(this, shape);

    /// <inheritdoc cref="Ops.View(Tensor, ReadOnlySpan{long})"/>
    public Tensor View(Shape shape) => Ops.View(this, shape.Dims);

    /// <inheritdoc cref="Ops.Transpose(Tensor, long, long)"/>
    public Tensor Transpose(long dim0, long dim1) => Ops.Transpose(this, dim0, dim1);

    /// <summary>The transpose of a 2-D tensor (a view); other ranks are an error (use Transpose or Permute).</summary>
    public Tensor T
    {
        get
        {
            if (Rank != 2)
            {
                throw new DslException($"t: needs a 2-D tensor but got shape {Shape} (use Transpose or Permute for other ranks)") { Operation = "t" };
            }
            return Ops.Transpose(this, 0, 1);
        }
    }

    /// <inheritdoc cref="Ops.Permute(Tensor, ReadOnlySpan{long})"/>
    public Tensor Permute(params ReadOnlySpan<long> dims) => Ops.Permute(this, dims);

    /// <inheritdoc cref="Ops.Expand(Tensor, ReadOnlySpan{long})"/>
    [OverloadResolutionPriority(1)] // [2, 3] is a span, not a Shape
    public Tensor Expand(params ReadOnlySpan<long> shape) => Ops.Expand(this, shape);

    /// <inheritdoc cref="Ops.Expand(Tensor, ReadOnlySpan{long})"/>
    public Tensor Expand(Shape shape) => Ops.Expand(this, shape.Dims);

    /// <inheritdoc cref="Ops.Slice(Tensor, long, long, long?, long)"/>
    public Tensor Slice(long dim, long start, long? end = null, long step = 1) => Ops.Slice(this, dim, start, end, step);

    /// <inheritdoc cref="Ops.Narrow(Tensor, long, long, long)"/>
    public Tensor Narrow(long dim, long start, long length) => Ops.Narrow(this, dim, start, length);

    /// <inheritdoc cref="Ops.Flatten(Tensor, long, long)"/>
    public Tensor Flatten(long startDim = 0, long endDim = -1) => Ops.Flatten(this, startDim, endDim);

    /// <inheritdoc cref="Ops.Squeeze(Tensor)"/>
    public Tensor Squeeze() => Ops.Squeeze(this);

    /// <inheritdoc cref="Ops.Squeeze(Tensor, long)"/>
    public Tensor Squeeze(long dim) => Ops.Squeeze(this, dim);

    /// <inheritdoc cref="Ops.Unsqueeze(Tensor, long)"/>
    public Tensor Unsqueeze(long dim) => Ops.Unsqueeze(this, dim);
}
