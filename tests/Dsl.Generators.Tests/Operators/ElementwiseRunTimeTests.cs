using System.Reflection;
using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests.Operators;

/// <summary>
/// Shapes the compiler cannot check (sizes known only at run time): the generated step throws an
/// exception naming the op and the operands' shapes.
/// </summary>
public sealed class ElementwiseRunTimeTests
{
    private static Exception Step(string loss, string parameters, params Tensor[] inputs)
    {
        var run = GeneratorHarness.Run($$"""
            [Model]
            public partial class ProbeModel
            {
                [Param(3)] public Tensor W;

                public Tensor Forward([Shape(1)] Tensor x) => x;
            }

            [Experiment]
            public partial class Probe
            {
                public ProbeModel Net = new();

                [Loss]
                public Tensor Loss({{parameters}}) => {{loss}};
            }
            """);
        Assert.True(run.Diagnostics.IsEmpty, string.Join("; ", run.Diagnostics));
        var type = GeneratorHarness.Load(run.Output).GetType("Demo.Probe", throwOnError: true)!;
        var experiment = Activator.CreateInstance(type)!;
        type.GetMethod("Initialize", [typeof(ulong), typeof(DType)])!.Invoke(experiment, [1UL, DType.Float64]);
        try
        {
            var error = Assert.ThrowsAny<Exception>(() => type.GetMethod("ComputeGradients")!.Invoke(experiment, inputs));
            return error is TargetInvocationException { InnerException: { } inner } ? inner : error;
        }
        finally
        {
            foreach (var input in inputs) input.Dispose();
        }
    }

    [Fact]
    public void WhereWithAConditionThatIsNotBool()
    {
        // The compiler cannot see an input's dtype: a float condition fails when the step runs.
        var error = Step("Sum(Where(mask, a * Net.W, a))", "[Shape(\"Rows\", 3)] Tensor mask, [Shape(\"Rows\", 3)] Tensor a",
            Tensor.Ones([2, 3], DType.Float64), Tensor.Ones([2, 3], DType.Float64));
        Assert.IsType<DslException>(error);
        Assert.StartsWith("where: ", error.Message);
        Assert.Contains("bool", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("[2, 3]", error.Message);
    }
}
