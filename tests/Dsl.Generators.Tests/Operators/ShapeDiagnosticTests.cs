using System.Reflection;
using Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Dsl.Generators.Tests.Operators;

/// <summary>
/// Misuse of the shape and product ops: a compile-time diagnostic with its exact message and the
/// text it points at when the shapes are known, and an exception naming the op and the shapes when
/// they are known only at run time.
/// </summary>
public sealed class ShapeDiagnosticTests
{
    /// <summary>A model whose Forward returns <paramref name="body"/>, with x [Batch, 3], W [2, 3], V [2, 4], B [5] and idx [Batch, 2].</summary>
    private static string Model(string body) => $$"""
        [Model]
        public partial class Shapes
        {
            [Param(2, 3)] public Tensor W;
            [Param(2, 4)] public Tensor V;
            [Param(5)] public Tensor B;

            public Tensor Forward([Shape("Batch", 3)] Tensor x, [Shape("Batch", 2)] Tensor idx) => {{body}};
        }
        """;

    private static void AssertDiagnostic(string body, string id, string message, string? text = null)
    {
        var run = GeneratorHarness.Run(Model(body));
        var diagnostic = Assert.Single(run.Diagnostics);
        var tree = run.Input.SyntaxTrees.Single(t => t.FilePath == diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(text ?? body, tree.GetText().ToString(diagnostic.Location.SourceSpan));
    }

    [Fact]
    public void Reshape_of_a_run_time_size_that_leaves_no_whole_size_for_the_minus_one() => AssertDiagnostic("Reshape(x, -1, 2)", "DSL0109",
        "Reshape needs a shape with as many elements as its operand; x is [Batch, 3] (Batch·3 elements) and the shape [-1, 2] leaves Batch·3 / 2 for the -1, which is not a whole size the compiler can name");

    [Fact]
    public void Reshape_to_another_element_count() => AssertDiagnostic("View(W, 5, 2)", "DSL0109",
        "View needs a shape with as many elements as its operand; W is [2, 3] (6 elements) but the shape [5, 2] holds 10");

    [Fact]
    public void Reshape_with_two_minus_ones() => AssertDiagnostic("Reshape(W, -1, -1)", "DSL0109",
        "Reshape needs a shape with as many elements as its operand; the shape [-1, -1] has more than one -1");

    [Fact]
    public void Flatten_axis_out_of_range() => AssertDiagnostic("Flatten(x, 4)", "DSL0108",
        "Flatten: axis 4 is out of range for x, which is [Batch, 3] (rank 2: axes -2..1)");

    [Fact]
    public void Flatten_of_two_run_time_sizes() => AssertDiagnostic("Flatten(MatMul(x, Transpose(x)))", "DSL0109",
        "Flatten needs the merged sizes to be constants, or one size known at run time; MatMul(x, Transpose(x)) is [Batch, Batch] and axes 0..1 merge into Batch·Batch");

    [Fact]
    public void Transpose_axis_out_of_range() => AssertDiagnostic("Transpose(x, 0, 2)", "DSL0108",
        "Transpose: axis 2 is out of range for x, which is [Batch, 3] (rank 2: axes -2..1)");

    [Fact]
    public void Transpose_of_a_vector() => AssertDiagnostic("Transpose(B)", "DSL0103", "Transpose needs an operand with at least 2 axes; B is [5]");

    [Fact]
    public void Transpose_with_one_axis() => AssertDiagnostic("Transpose(x, dim0: 1)", "DSL0020", "Transpose: give both 'dim0' and 'dim1', or neither (the last two axes)");

    [Fact]
    public void Permute_with_too_many_axes() => AssertDiagnostic("Permute(x, 1, 0, 2)", "DSL0109",
        "Permute needs one axis of its operand per axis; x is [Batch, 3] (rank 2) but [1, 0, 2] names 3");

    [Fact]
    public void Permute_with_a_repeated_axis() => AssertDiagnostic("Permute(x, 1, -1)", "DSL0020", "Permute: the axis -1 is given twice");

    [Fact]
    public void Unsqueeze_past_the_end() => AssertDiagnostic("Unsqueeze(x, 3)", "DSL0109",
        "Unsqueeze needs a position from -3 to 2 for the new axis; x is [Batch, 3] and dim is 3");

    [Fact]
    public void Squeeze_of_a_run_time_size() => AssertDiagnostic("Squeeze(x, 0)", "DSL0109",
        "Squeeze needs an axis whose size is known at compile time; x is [Batch, 3] and axis 0 is Batch, known only at run time (the result's rank would depend on it)");

    [Fact]
    public void Expand_of_a_size_that_is_not_one() => AssertDiagnostic("Expand(W, 2, 5)", "DSL0109",
        "Expand needs each size of its operand to be 1 or the target size; W is [2, 3] and the shape is [2, 5] (axis 1: 3 vs 5)");

    [Fact]
    public void Cat_of_different_sizes_off_the_axis() => AssertDiagnostic("Cat([W, V])", "DSL0109",
        "Cat needs equal sizes off the joined axis 0; W is [2, 3] and V is [2, 4] (axis 1: 3 vs 4)");

    [Fact]
    public void Cat_along_a_run_time_size() => AssertDiagnostic("Cat([x, x], 0)", "DSL0109",
        "Cat needs sizes along the joined axis known at compile time (the result's size is their sum); x is [Batch, 3], whose axis 0 is Batch, known only at run time");

    [Fact]
    public void Cat_of_different_ranks() => AssertDiagnostic("Cat([W, B], -1)", "DSL0109", "Cat needs tensors of one rank; W is [2, 3] and B is [5]");

    [Fact]
    public void Stack_of_different_shapes() => AssertDiagnostic("Stack([W, V], 1)", "DSL0109", "Stack needs tensors of one shape; W is [2, 3] and V is [2, 4]");

    [Fact]
    public void Narrow_past_the_end() => AssertDiagnostic("Narrow(W, 1, 2, 2)", "DSL0109",
        "Narrow needs a range inside axis 1 of its operand; W is [2, 3] and positions 2 .. 2 + 2 - 1 do not lie inside the axis of size 3");

    [Fact]
    public void Slice_to_the_end_of_a_run_time_size() => AssertDiagnostic("Slice(x, 0, 1)", "DSL0109",
        "Slice needs a range inside axis 0 of its operand; x is [Batch, 3] and the slice from 1 to the end of an axis whose size (Batch) is known only at run time has no size the compiler can name; give 'end'");

    [Fact]
    public void Slice_with_a_step_below_one() => AssertDiagnostic("Slice(W, 1, 0, 3, 0)", "DSL0020", "Slice: 'step' must be positive, but is 0");

    [Fact]
    public void Slice_with_a_step_to_the_end_of_a_run_time_size() => AssertDiagnostic("Slice(x, 0, 0, step: 2)", "DSL0109",
        "Slice needs a range inside axis 0 of its operand; x is [Batch, 3] and the slice with step 2 of an axis whose size (Batch) is known only at run time has no size the compiler can name; give 'end'");

    [Fact]
    public void Select_past_the_end() => AssertDiagnostic("Select(W, 0, 2)", "DSL0109", "Select needs an index inside axis 0 of its operand; W is [2, 3] and the index is 2");

    [Fact]
    public void IndexSelect_with_a_2d_index() => AssertDiagnostic("IndexSelect(W, 0, idx)", "DSL0103", "IndexSelect needs a 1-D index; idx is [Batch, 2]");

    [Fact]
    public void Gather_with_an_index_of_another_rank() => AssertDiagnostic("Gather(B, 0, idx)", "DSL0103", "Gather needs an index of its operand's rank (1); idx is [Batch, 2]");

    [Fact]
    public void Gather_with_an_index_larger_off_the_axis() => AssertDiagnostic("Gather(W, 1, Cat([W, W]))", "DSL0109",
        "Gather needs an index no larger than its operand off axis 1; W is [2, 3] and Cat([W, W]) is [4, 3] (axis 0: 4 > 2)");

    [Fact]
    public void MatMul_batches_that_do_not_broadcast() => AssertDiagnostic("MatMul(Stack([W, W]), Stack([Transpose(W), Transpose(W), Transpose(W)]))", "DSL0102",
        "MatMul: Stack([W, W]) is [2, 2, 3] and Stack([Transpose(W), Transpose(W), Transpose(W)]) is [3, 3, 2], which do not broadcast (dimension 0 of the batch axes: 2 vs 3)");

    [Fact]
    public void Bmm_of_matrices() => AssertDiagnostic("Bmm(W, V)", "DSL0103", "Bmm needs 3-D operands ([batch, rows, columns]); W is [2, 3]");

    [Fact]
    public void Bmm_of_different_batches() => AssertDiagnostic("Bmm(Stack([W, W]), Stack([Transpose(W), Transpose(W), Transpose(W)]))", "DSL0109",
        "Bmm needs operands with one batch size; Stack([W, W]) is [2, 2, 3] and Stack([Transpose(W), Transpose(W), Transpose(W)]) is [3, 3, 2] (batch 2 vs 3)");

    [Fact]
    public void Linear_with_a_weight_of_another_input_size() => AssertDiagnostic("Linear(x, V)", "DSL0109",
        "Linear needs the input's last size to be the weight's second ([out, in]); x is [Batch, 3] and V is [2, 4]");

    [Fact]
    public void Linear_with_a_bias_of_another_size() => AssertDiagnostic("Linear(x, W, B)", "DSL0109",
        "Linear needs a bias of the weight's first size ([out]); W is [2, 3] and B is [5]");

    [Fact]
    public void Addmm_with_a_bias_that_does_not_broadcast() => AssertDiagnostic("Addmm(B, x, Transpose(W))", "DSL0109",
        "Addmm needs a bias that broadcasts to the product's shape; B is [5] and the product x · Transpose(W) is [Batch, 2]");

    [Fact]
    public void Einsum_with_two_ellipses_in_a_term() => AssertDiagnostic("Einsum(\"...i...->i\", x)", "DSL0020",
        "Einsum: the equation \"...i...->i\": '...i...' holds '...' twice");

    [Fact]
    public void Einsum_with_more_letters_than_axes_besides_the_ellipsis() => AssertDiagnostic("Einsum(\"...ijk->...\", x)", "DSL0020",
        "Einsum: the equation \"...ijk->...\": '...ijk' names 3 axes besides '...', but operand 1 has rank 2");

    [Fact]
    public void Einsum_whose_output_drops_the_ellipsis_axes() => AssertDiagnostic("Einsum(\"...j->j\", x)", "DSL0020",
        "Einsum: the equation \"...j->j\": the output has no '...', but '...' stands for 1 axis of an operand (write it in the output, or name the axes to sum)");

    [Fact]
    public void Einsum_with_a_letter_of_two_sizes() => AssertDiagnostic("Einsum(\"ij,jk->ik\", W, V)", "DSL0109",
        "Einsum needs one size per letter; 'j' is 3 in W, which is [2, 3], and 2 in V, which is [2, 4]");

    [Fact]
    public void Einsum_with_too_few_operands() => AssertDiagnostic("Einsum(\"ij,jk->ik\", W)", "DSL0109",
        "Einsum needs one operand per term of its equation; \"ij,jk->ik\" has 2 but 1 are given");

    /// <summary>
    /// Narrow(x, 0, 2, 3) on x [Batch, 3] compiles (rows 2..4 need Batch ≥ 5, known only at run time);
    /// with Batch = 5 the step runs, with Batch = 4 it throws an exception naming the op and the shapes.
    /// </summary>
    [Fact]
    public void A_range_past_a_run_time_size_fails_when_the_step_runs()
    {
        var run = GeneratorHarness.Run("""
            [Model]
            public partial class NarrowModel
            {
                [Param(3)] public Tensor W;

                public Tensor Forward([Shape(1)] Tensor x) => x;
            }

            [Experiment]
            public partial class NarrowRows
            {
                public NarrowModel Net = new();

                [Loss]
                public Tensor Loss([Shape("Batch", 3)] Tensor x) => Sum(Narrow(x * Net.W, 0, 2, 3));
            }
            """);
        Assert.Empty(run.Diagnostics);
        var type = GeneratorHarness.Load(run.Output).GetType("Demo.NarrowRows", throwOnError: true)!;
        dynamic experiment = Activator.CreateInstance(type)!;
        experiment.Initialize(1UL, DType.Float64);
        object target = experiment;
        using var generator = new Generator(2);
        using var enough = Tensor.Randn([5, 3], generator, DType.Float64);
        GradientCheck.ComputeGradients(target, [enough]);

        using var tooFew = Tensor.Randn([4, 3], generator, DType.Float64);
        var error = Assert.ThrowsAny<Exception>(() => GradientCheck.ComputeGradients(target, [tooFew]));
        var message = (error is TargetInvocationException { InnerException: { } inner } ? inner : error).Message;
        Assert.Contains("narrow", message, StringComparison.Ordinal);
        Assert.Contains("[4, 3]", message, StringComparison.Ordinal);
    }
}
