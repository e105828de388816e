using Dsl.Generators.Parsing;
using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests;

/// <summary>
/// The body parser answers "what does this name mean" by C# name lookup at the body's start when
/// the body declares nothing of that name, and binds the body only otherwise (BodyParser.Lookup.cs).
/// Both paths must give the same generated code and the same diagnostics; these declarations are the
/// ones where a name could mean something other than it seems: a user function shadowing an Ops
/// function, a local shadowing a const field, a const local, a type and a value of one name (Color
/// Color), qualified constants, an enum setting, a local function.
/// </summary>
public sealed class NameLookupTests
{
    private static readonly string[] Sources =
    [
        // A const field, a qualified const of another type, Math.PI, a local shadowing a const field.
        """
        public static class Config { public const int Width = 3; public const double Rate = 0.5; }

        [Model]
        public partial class Net
        {
            public const double Scale = 2;
            public const double Shadowed = 7;
            [Param(Config.Width)] public Tensor B;

            public Tensor Forward([Shape("Batch", 3)] Tensor x)
            {
                var Shadowed = Tanh(x);
                return Shadowed * Scale + x * Config.Rate + Sigmoid(x) * System.Math.PI + B;
            }
        }

        [Experiment]
        public partial class Fit
        {
            public Net Model = new();
            [Loss] public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 3)] Tensor y) => MseLoss(Model.Forward(x), y, Reduction.Sum);
        }
        """,
        // A user method named like an Ops function: the call is the user's (not supported: DSL0004), not Ops.Tanh.
        """
        [Model]
        public partial class Shadowing
        {
            [Param(3)] public Tensor B;
            public static Tensor Tanh(Tensor t) => t;
            public Tensor Forward([Shape("Batch", 3)] Tensor x) => Tanh(x) + B;
        }
        """,
        // A const local and a local function named like an Ops function.
        """
        [Model]
        public partial class Locals
        {
            [Param(3)] public Tensor B;
            public Tensor Forward([Shape("Batch", 3)] Tensor x)
            {
                const int Factor = 4;
                return Relu(x) * Factor + B;
            }
        }
        """,
        // A local function named like an Ops function (not supported: a diagnostic, not Ops.Relu).
        """
        [Model]
        public partial class LocalFunction
        {
            [Param(3)] public Tensor B;
            public Tensor Forward([Shape("Batch", 3)] Tensor x)
            {
                Tensor Relu(Tensor t) => t;
                return Relu(x) + B;
            }
        }
        """,
        // Color Color: a field whose type has the field's name; Sizes.Count reads the type's constant.
        """
        public sealed class Sizes { public const int Count = 3; }

        [Model]
        public partial class Colors
        {
            public Sizes Sizes = new();
            [Param(3)] public Tensor B;
            public Tensor Forward([Shape("Batch", 3)] Tensor x) => x * Sizes.Count + B;
        }
        """,
        // A model used through a field, an axis from a const, a number parameter.
        """
        [Model]
        public partial class Inner
        {
            [Param(3, 3)] public Tensor W;
            public Tensor Forward([Shape("Batch", 3)] Tensor x) => MatMul(x, W);
        }

        [Model]
        public partial class Outer
        {
            public const int Axis = 1;
            public Inner Net = new();
            public Tensor Forward([Shape("Batch", 3)] Tensor x, double scale) => Softmax(Net.Forward(x) * scale, Axis);
        }
        """,
    ];

    public static TheoryData<int> Declarations()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Sources.Length; i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Declarations))]
    public void LookupAndBindingGiveTheSameResult(int index)
    {
        var declaration = Sources[index];
        var fast = Run(declaration, lookupDisabled: false);
        var bound = Run(declaration, lookupDisabled: true);
        Assert.Equal(bound.Diagnostics, fast.Diagnostics);
        Assert.Equal(bound.Sources.Count, fast.Sources.Count);
        for (var i = 0; i < bound.Sources.Count; i++)
        {
            Assert.Equal(bound.Sources[i].HintName, fast.Sources[i].HintName);
            Assert.Equal(bound.Sources[i].Text, fast.Sources[i].Text);
        }
    }

    [Fact]
    public void AConstLocalIsItsValue()
    {
        var run = GeneratorHarness.Run(Sources[2]);
        Assert.Empty(run.Diagnostics);
        Assert.Contains("· 4", run.Source("Demo.Locals.g.cs"));
    }

    [Fact]
    public void AUserFunctionNamedLikeAnOpsFunctionIsNotTakenForIt()
    {
        var run = GeneratorHarness.Run(Sources[1]);
        Assert.Contains(run.Diagnostics, d => d.Id == "DSL0004" && d.GetMessage().Contains("Tanh"));
    }

    private static (List<string> Diagnostics, IReadOnlyList<(string HintName, string Text)> Sources) Run(string declaration, bool lookupDisabled)
    {
        BodyParser.LookupDisabled = lookupDisabled;
        try
        {
            var run = GeneratorHarness.Run(declaration);
            return (run.Diagnostics.Select(d => d.Id + " " + d.Location.GetLineSpan() + " " + d.GetMessage()).OrderBy(s => s, StringComparer.Ordinal).ToList(), run.Sources);
        }
        finally
        {
            BodyParser.LookupDisabled = false;
        }
    }
}
