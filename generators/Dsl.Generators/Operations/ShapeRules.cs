using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Operations;

/// <summary>
/// Element counts of symbolic shapes, for the ops that regroup elements (Reshape, View, Flatten). A
/// dimension is a constant or one run-time symbol, never a product, so a regrouping is accepted when
/// the compiler can tell each result size: constants multiply, and a symbol of the input may pass
/// through (cancel against the same symbol of the target, or fill the one -1).
/// </summary>
internal static class ShapeRules
{
    /// <summary>
    /// The shape <paramref name="target"/> (constants, model [Dim] symbols, at most one -1) takes for the
    /// elements of <paramref name="x"/>, or null with the problem in words.
    /// </summary>
    public static SymShape? Regroup(ShapeUnifier unifier, string label, SymShape x, IReadOnlyList<Dim> target, out string problem)
    {
        problem = "";
        var inferred = -1;
        for (var i = 0; i < target.Count; i++)
        {
            var dim = target[i];
            if (!dim.IsConstant || dim.Value >= 0) continue;
            if (dim.Value != -1 || inferred >= 0)
            {
                problem = "the shape " + Written(target) + (dim.Value != -1 ? " has the size " + dim.Value.ToString(CultureInfo.InvariantCulture) : " has more than one -1");
                return null;
            }
            inferred = i;
        }

        var (inputConstant, inputSymbols) = Factor(unifier, x.Dims);
        var (targetConstant, targetSymbols) = Factor(unifier, target.Where((_, i) => i != inferred));
        // A symbol on both sides passes through.
        foreach (var symbol in targetSymbols.ToList())
        {
            var same = inputSymbols.FindIndex(s => unifier.AreSame(s, symbol));
            if (same < 0) continue;
            inputSymbols.RemoveAt(same);
            targetSymbols.Remove(symbol);
        }

        var result = target.Select(unifier.Resolve).ToArray();
        if (inferred >= 0)
        {
            if (targetSymbols.Count == 0 && inputSymbols.Count == 0 && targetConstant != 0 && inputConstant % targetConstant == 0)
            {
                result[inferred] = Dim.Constant(inputConstant / targetConstant);
            }
            else if (targetSymbols.Count == 0 && inputSymbols.Count == 1 && inputConstant == targetConstant)
            {
                result[inferred] = inputSymbols[0];
            }
            else
            {
                problem = Count(unifier, label, x) + " and the shape " + Written(target) + " leaves " + Product(inputConstant, inputSymbols) + " / "
                    + Product(targetConstant, targetSymbols) + " for the -1, which is not a whole size the compiler can name";
                return null;
            }
            return new SymShape(result.ToEquatableArray());
        }
        if (inputSymbols.Count == 0 && targetSymbols.Count == 0 && inputConstant == targetConstant) return new SymShape(result.ToEquatableArray());
        if (inputSymbols.Count == 1 && targetSymbols.Count == 1 && inputConstant == targetConstant && unifier.Unify(inputSymbols[0], targetSymbols[0]))
        {
            return unifier.Resolve(new SymShape(result.ToEquatableArray()));
        }
        var (allConstant, allSymbols) = Factor(unifier, target);
        problem = Count(unifier, label, x) + " but the shape " + Written(target) + " holds " + Product(allConstant, allSymbols);
        return null;
    }

    /// <summary>The product of constant dims and the symbols left over (resolved).</summary>
    private static (long Constant, List<Dim> Symbols) Factor(ShapeUnifier unifier, IEnumerable<Dim> dims)
    {
        long constant = 1;
        var symbols = new List<Dim>();
        foreach (var raw in dims)
        {
            var dim = unifier.Resolve(raw);
            if (dim.IsConstant) constant = unchecked(constant * dim.Value);
            else symbols.Add(dim);
        }
        return (constant, symbols);
    }

    private static string Count(ShapeUnifier unifier, string label, SymShape x)
    {
        var (constant, symbols) = Factor(unifier, x.Dims);
        return label + " is " + x + " (" + Product(constant, symbols) + " elements)";
    }

    private static string Product(long constant, List<Dim> symbols) =>
        symbols.Count == 0 ? constant.ToString(CultureInfo.InvariantCulture)
            : string.Join("·", symbols.Select(s => s.ToString()).Concat(constant == 1 ? [] : [constant.ToString(CultureInfo.InvariantCulture)]));

    public static string Written(IEnumerable<Dim> dims) => "[" + string.Join(", ", dims.Select(d => d.ToString())) + "]";
}
