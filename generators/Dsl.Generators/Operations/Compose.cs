using Dsl.Generators.Ir;

namespace Dsl.Generators.Operations;

/// <summary>
/// Builds a derivative from existing ops, each node named after the gradient it helps make
/// (<c>dX</c> + a part name). A derivative composed this way is itself differentiable, so second
/// derivatives (<c>Grad(...)</c> inside a loss) need no rule of their own.
/// </summary>
internal readonly struct Compose(IGradientBuilder builder, string name)
{
    public IGradientBuilder Builder => builder;

    public string Name => name;

    public int Number(double value) => builder.Number(value);

    public int Add(int a, int b, string part) => builder.Add(new AddOp(), name + part, a, b);

    public int Sub(int a, int b, string part) => builder.Add(new SubOp(), name + part, a, b);

    public int Mul(int a, int b, string part) => builder.Add(new MulOp(), name + part, a, b);

    public int Div(int a, int b, string part) => builder.Add(new DivOp(), name + part, a, b);

    public int Scale(int a, double factor, string part) => Mul(a, builder.Number(factor), part);

    public int Neg(int a, string part) => builder.Add(new NegOp(), name + part, a);

    public int Square(int a, string part) => builder.Add(new SquareOp(), name + part, a);

    public int Exp(int a, string part) => builder.Add(new ExpOp(), name + part, a);

    public int Apply(Op op, string part, params int[] inputs) => builder.Add(op, name + part, inputs);

    /// <summary>A Bool mask a ∘ b (a number operand is allowed on either side; the comparison is flipped to keep the tensor first).</summary>
    public int Compare(string comparison, int a, int b, string part)
    {
        if (builder.Node(a).IsNumber) (a, b, comparison) = (b, a, CompareOp.Flipped(comparison));
        return builder.Add(new CompareOp(comparison), name + part, a, b);
    }
}
