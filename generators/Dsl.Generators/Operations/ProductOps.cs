using System;
using System.Collections.Generic;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Operations;

/// <summary>
/// <c>Linear(x, weight, bias?)</c> as torch.nn.functional.linear: x · weightᵀ + bias with x [..., in],
/// weight [out, in] (torch's layout) and bias [out]; the result is [..., out]. One runtime call
/// (<c>Kernels.Linear</c>). Backward through products: dx = g · weight, dweight = gᵀ · x summed
/// over x's batch axes, dbias = g summed over all but the last axis.
/// </summary>
internal sealed record LinearOp(bool HasBias) : Op
{
    public override string Name => "Linear";

    public override ShapeResult InferShape(ShapeContext context)
    {
        for (var i = 0; i < context.Count; i++)
        {
            if (context.IsNumber(i)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(i));
        }
        var (x, weight) = (context.Shape(0), context.Shape(1));
        if (x.Rank < 2) return ShapeResult.Fail(DiagnosticCatalog.Rank, Name, "an input with at least 2 axes ([batch, in])", context.Label(0), x.ToString());
        if (weight.Rank != 2) return ShapeResult.Fail(DiagnosticCatalog.Rank, Name, "a 2-D weight ([out, in])", context.Label(1), weight.ToString());
        if (!context.Unifier.Unify(x[x.Rank - 1], weight[1]))
        {
            return ShapeResult.Fail(DiagnosticCatalog.Shapes, Name, "the input's last size to be the weight's second ([out, in])",
                context.Label(0) + " is " + x + " and " + context.Label(1) + " is " + weight);
        }
        var output = context.Unifier.Resolve(weight[0]);
        if (HasBias)
        {
            var bias = context.Shape(2);
            if (bias.Rank != 1 || !context.Unifier.Unify(bias[0], output))
            {
                return ShapeResult.Fail(DiagnosticCatalog.Shapes, Name, "a bias of the weight's first size ([out])",
                    context.Label(1) + " is " + weight + " and " + context.Label(2) + " is " + bias);
            }
        }
        return ShapeResult.Tensor(context.Unifier.Resolve(new SymShape(x.Dims.Take(x.Rank - 1).Append(output).ToEquatableArray())));
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (x, weight) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(x)) builder.Accumulate(x, builder.Add(new MatMulOp(), builder.GradientName(x), gradient, weight));
        if (builder.IsActive(weight)) builder.AccumulateReduced(weight, builder.Add(new MatMulOp(TransposeA: true), builder.GradientName(weight), gradient, x));
        if (HasBias) builder.AccumulateReduced(node.Inputs[2], gradient);
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("Linear", EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]), HasBias ? EmitArg.Value(node.Inputs[2]) : EmitArg.Null, EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + " · " + nameOf(node.Inputs[1]) + "ᵀ" + (HasBias ? " + " + nameOf(node.Inputs[2]) : "");
}

/// <summary>
/// <c>Addmm(bias, a, b, beta = 1, alpha = 1)</c> as torch.addmm: β · bias + α · (a · b) for matrices
/// a [m, k], b [k, n] and a bias that broadcasts to [m, n]; one GEMM with the bias as its C operand.
/// Backward: dbias = β · g summed over the broadcast axes, da = α · g · bᵀ, db = α · aᵀ · g.
/// The transpose flags (not in the language's signature) are set by Optimization/Fusion when it folds
/// <c>op(a) · op(b) + bias</c> into one call: op swaps that operand's axes, as in <see cref="MatMulOp"/>.
/// </summary>
internal sealed record AddmmOp(double Beta, double Alpha, bool TransposeA = false, bool TransposeB = false) : Op
{
    public override string Name => "Addmm";

    public override ShapeResult InferShape(ShapeContext context)
    {
        for (var i = 0; i < 3; i++)
        {
            if (context.IsNumber(i)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(i));
        }
        var (bias, a, b) = (context.Shape(0), context.Shape(1), context.Shape(2));
        for (var i = 1; i < 3; i++)
        {
            if (context.Shape(i).Rank != 2) return ShapeResult.Fail(DiagnosticCatalog.Rank, Name, "2-D operands (matrices)", context.Label(i), context.Shape(i).ToString());
        }
        var (m, k1) = TransposeA ? (a[1], a[0]) : (a[0], a[1]);
        var (k2, n) = TransposeB ? (b[1], b[0]) : (b[0], b[1]);
        if (!context.Unifier.Unify(k1, k2))
        {
            return ShapeResult.Fail(DiagnosticCatalog.MatMulInner, context.Label(1), a.ToString(), context.Label(2), b.ToString());
        }
        var product = context.Unifier.Resolve(SymShape.Of(m, n));
        var joined = Broadcasting.Broadcast(context.Unifier, bias, product, out var axis, out var left, out var right);
        if (joined is null || joined.Rank != 2 || !context.Unifier.AreSame(joined[0], product[0]) || !context.Unifier.AreSame(joined[1], product[1]))
        {
            return ShapeResult.Fail(DiagnosticCatalog.Shapes, Name, "a bias that broadcasts to the product's shape",
                context.Label(0) + " is " + bias + " and the product " + context.Label(1) + " · " + context.Label(2) + " is " + product);
        }
        return ShapeResult.Tensor(product);
    }

    /// <summary>g scaled by a constant (no node when it is 1).</summary>
    private static int Scaled(IGradientBuilder builder, int value, double factor, string name) =>
        factor == 1 ? value : builder.Add(new MulOp(), name, value, builder.Number(factor));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (bias, a, b) = (node.Inputs[0], node.Inputs[1], node.Inputs[2]);
        if (builder.IsActive(bias)) builder.AccumulateReduced(bias, Scaled(builder, gradient, Beta, builder.GradientName(bias)));
        // As MatMulOp's rule: op(a) = g · op(b)ᵀ, op(b) = op(a)ᵀ · g, each scaled by α.
        if (builder.IsActive(a))
        {
            var da = TransposeA
                ? builder.Add(new MatMulOp(TransposeB, true), builder.GradientName(a), b, gradient)
                : builder.Add(new MatMulOp(false, !TransposeB), builder.GradientName(a), gradient, b);
            builder.Accumulate(a, Scaled(builder, da, Alpha, builder.GradientName(a)));
        }
        if (builder.IsActive(b))
        {
            var db = TransposeB
                ? builder.Add(new MatMulOp(true, TransposeA), builder.GradientName(b), gradient, a)
                : builder.Add(new MatMulOp(!TransposeA, false), builder.GradientName(b), a, gradient);
            builder.Accumulate(b, Scaled(builder, db, Alpha, builder.GradientName(b)));
        }
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("Addmm", EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]), EmitArg.Value(node.Inputs[2]), EmitArg.Output(node),
            EmitArg.Double(Beta), EmitArg.Double(Alpha), EmitArg.Bool(TransposeA), EmitArg.Bool(TransposeB));

    public override string Math(Node node, Func<int, string> nameOf) =>
        Coefficient(Alpha) + nameOf(node.Inputs[1]) + (TransposeA ? "ᵀ" : "") + " · " + nameOf(node.Inputs[2]) + (TransposeB ? "ᵀ" : "")
        + " + " + Coefficient(Beta) + nameOf(node.Inputs[0]);

    private static string Coefficient(double value) => value == 1 ? "" : value.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + " · ";
}

/// <summary>
/// <c>Einsum(equation, operands...)</c> as torch.einsum, for equations of letters (<c>"bij,bjk->bik"</c>,
/// <c>"ij->ji"</c>, <c>"i,i->"</c>; without <c>-></c> the output is the letters used once, in alphabetical
/// order). Not supported (DSL0020): <c>...</c>, and a letter repeated within one operand (a diagonal).
/// Backward: each operand's gradient is again an einsum, of g and the other operands, with the
/// operand's letters as output; a letter only that operand has (summed away) is put back by broadcasting.
/// </summary>
internal sealed record EinsumOp(string Equation) : Op
{
    public override string Name => "Einsum";

    /// <summary>The operands' letters and the output's, or null with the problem.</summary>
    public static (string[] Inputs, string Output)? Parse(string equation, out string problem)
    {
        problem = "";
        var text = equation.Replace(" ", "");
        if (text.Contains("...")) problem = "'...' must be expanded before parsing (ExpandEllipsis)";
        var arrow = text.IndexOf("->", StringComparison.Ordinal);
        var inputs = (arrow < 0 ? text : text.Substring(0, arrow)).Split(',');
        string output;
        if (arrow >= 0) output = text.Substring(arrow + 2);
        else output = new string(inputs.SelectMany(t => t).GroupBy(c => c).Where(g => g.Count() == 1).Select(g => g.Key).OrderBy(c => c).ToArray());
        foreach (var term in inputs.Append(output))
        {
            if (problem.Length > 0) break;
            if (term.Any(c => !(c is >= 'a' and <= 'z' or >= 'A' and <= 'Z'))) problem = "'" + term + "' holds a character that is not a letter";
            else if (term.Distinct().Count() != term.Length) problem = "a letter repeats within '" + term + "' (diagonals are not supported)";
        }
        if (problem.Length == 0 && output.FirstOrDefault(c => !inputs.Any(t => t.Contains(c))) is var missing && missing != default)
        {
            problem = "the output's letter '" + missing + "' is in no operand";
        }
        return problem.Length > 0 ? null : (inputs, output);
    }

    /// <summary>
    /// The equation with each '...' replaced by letters the equation does not use, one per axis it
    /// stands for in that operand (its rank minus its letters), right-aligned as torch aligns them: an
    /// operand whose '...' covers fewer axes takes the last of the letters. The output's '...' (or, without
    /// "->", the front of the implicit output, as torch) takes all of them. Null with the problem when a
    /// term has two '...', an operand has fewer axes than letters, or the output drops axes a '...' covers.
    /// Sizes must then agree letter by letter (a size-1 axis does not broadcast against another size).
    /// </summary>
    public static string? ExpandEllipsis(string equation, IReadOnlyList<int> ranks, out string problem)
    {
        problem = "";
        var text = equation.Replace(" ", "");
        var arrow = text.IndexOf("->", StringComparison.Ordinal);
        var inputs = (arrow < 0 ? text : text.Substring(0, arrow)).Split(',');
        var output = arrow < 0 ? null : text.Substring(arrow + 2);
        if (inputs.Length != ranks.Count) return text; // the shape rule reports the count
        if (inputs.Append(output ?? "").FirstOrDefault(t => t.IndexOf("...", StringComparison.Ordinal) != t.LastIndexOf("...", StringComparison.Ordinal)) is { } twice)
        {
            problem = "'" + twice + "' holds '...' twice";
            return null;
        }
        var covered = new int[inputs.Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            var letters = inputs[i].Replace("...", "").Length;
            if (!inputs[i].Contains("...")) continue;
            covered[i] = ranks[i] - letters;
            if (covered[i] < 0)
            {
                problem = "'" + inputs[i] + "' names " + letters.ToString(System.Globalization.CultureInfo.InvariantCulture) + " axes besides '...', but operand "
                    + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + " has rank " + ranks[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
                return null;
            }
        }
        var most = covered.Max();
        var spare = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".Where(c => !text.Contains(c)).Take(most).ToArray();
        if (spare.Length < most)
        {
            problem = "'...' stands for more axes than there are unused letters";
            return null;
        }
        string Letters(int count) => new(spare.Skip(most - count).ToArray());
        var expanded = inputs.Select((t, i) => t.Replace("...", Letters(covered[i]))).ToArray();
        string expandedOutput;
        if (output is null)
        {
            // torch's implicit output: the '...' axes, then the letters used once, alphabetically.
            var once = expanded.SelectMany(t => t).Where(c => !spare.Contains(c)).GroupBy(c => c).Where(g => g.Count() == 1).Select(g => g.Key).OrderBy(c => c);
            expandedOutput = Letters(most) + new string(once.ToArray());
        }
        else if (output.Contains("...")) expandedOutput = output.Replace("...", Letters(most));
        else if (most > 0)
        {
            problem = "the output has no '...', but '...' stands for " + most.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ax" + (most == 1 ? "is" : "es") + " of an operand (write it in the output, or name the axes to sum)";
            return null;
        }
        else expandedOutput = output;
        return string.Join(",", expanded) + "->" + expandedOutput;
    }

    public override ShapeResult InferShape(ShapeContext context)
    {
        for (var i = 0; i < context.Count; i++)
        {
            if (context.IsNumber(i)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(i));
        }
        if (Parse(Equation, out var problem) is not { } parsed) return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "the equation \"" + Equation + "\": " + problem);
        if (parsed.Inputs.Length != context.Count)
        {
            return ShapeResult.Fail(DiagnosticCatalog.Shapes, Name, "one operand per term of its equation", "\"" + Equation + "\" has "
                + parsed.Inputs.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + " but " + context.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + " are given");
        }
        var sizes = new System.Collections.Generic.Dictionary<char, (Dim Size, int Operand)>();
        for (var i = 0; i < context.Count; i++)
        {
            var (term, shape) = (parsed.Inputs[i], context.Shape(i));
            if (term.Length != shape.Rank)
            {
                return ShapeResult.Fail(DiagnosticCatalog.Shapes, Name, "an operand of rank " + term.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + " for '" + term + "'",
                    context.Label(i) + " is " + shape);
            }
            for (var d = 0; d < term.Length; d++)
            {
                if (!sizes.TryGetValue(term[d], out var known)) sizes[term[d]] = (shape[d], i);
                else if (!context.Unifier.Unify(known.Size, shape[d]))
                {
                    return ShapeResult.Fail(DiagnosticCatalog.Shapes, Name, "one size per letter", "'" + term[d] + "' is " + context.Unifier.Resolve(known.Size) + " in "
                        + context.Label(known.Operand) + ", which is " + context.Shape(known.Operand) + ", and " + context.Unifier.Resolve(shape[d]) + " in " + context.Label(i) + ", which is " + shape);
                }
            }
        }
        return ShapeResult.Tensor(new SymShape(parsed.Output.Select(c => context.Unifier.Resolve(sizes[c].Size)).ToEquatableArray()));
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (inputs, output) = Parse(Equation, out _)!.Value;
        for (var i = 0; i < node.Inputs.Count; i++)
        {
            var x = node.Inputs[i];
            if (!builder.IsActive(x)) continue;
            var others = Enumerable.Range(0, inputs.Length).Where(j => j != i).ToArray();
            var reached = new string(inputs[i].Where(c => output.Contains(c) || others.Any(j => inputs[j].Contains(c))).ToArray());
            var equation = string.Join(",", new[] { output }.Concat(others.Select(j => inputs[j]))) + "->" + reached;
            var operands = new[] { gradient }.Concat(others.Select(j => node.Inputs[j])).ToArray();
            var contribution = builder.Add(new EinsumOp(equation), builder.GradientName(x), operands);
            if (reached.Length < inputs[i].Length)
            {
                // Letters only this operand has were summed away: their gradient is the same along them.
                var axes = Enumerable.Range(0, inputs[i].Length).Where(d => !reached.Contains(inputs[i][d])).Select(d => (long)d).ToEquatableArray();
                contribution = builder.Add(new ExpandAxesOp(axes, Keepdim: false, Mean: false), builder.GradientName(x), contribution, x);
            }
            builder.Accumulate(x, contribution);
        }
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("Einsum", EmitArg.Text(Equation), EmitArg.Values(node.Inputs), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) => "einsum(\"" + Equation + "\", " + string.Join(", ", node.Inputs.Select(nameOf)) + ")";
}
