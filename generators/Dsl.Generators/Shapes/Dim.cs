using System.Globalization;
using System.Linq;

namespace Dsl.Generators.Shapes;

/// <summary>
/// One dimension of a symbolic shape: a constant, or a symbol known at run time. A symbol has a
/// scope (the model instance path such as "Net", or the method whose [Shape] declared it) and a
/// name as written ("Hidden", "Batch"). Must stay immutable and structurally equal.
/// </summary>
internal sealed record Dim(long Value, string? Name, string Scope)
{
    public bool IsConstant => Name is null;

    public static Dim Constant(long value) => new(value, null, "");

    public static Dim Symbol(string scope, string name) => new(0, name, scope);

    /// <summary>Identity of the symbol across the whole experiment (made once: the unifier asks for it on every lookup).</summary>
    public string Key { get; } = Name is null ? Value.ToString(CultureInfo.InvariantCulture) : Scope.Length == 0 ? Name : Scope + "." + Name;

    public override string ToString() => Name ?? Value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A tensor's symbolic shape, written like <c>[Batch, 784]</c>. Must stay immutable and structurally equal.</summary>
internal sealed record SymShape(EquatableArray<Dim> Dims)
{
    public static SymShape Scalar { get; } = new(EquatableArray<Dim>.Empty);

    public static SymShape Of(params Dim[] dims) => new(EquatableArray.Create(dims));

    public int Rank => Dims.Count;

    public Dim this[int index] => Dims[index];

    public bool IsScalar => Rank == 0;

    public override string ToString() => "[" + string.Join(", ", Dims.Select(d => d.ToString())) + "]";
}
