using System.Globalization;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Operations;
using Dsl.Generators.Parsing;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Compile;

/// <summary>
/// Random ops (Operations/RandomOps.cs): the checks that need the values lowering knows (a constant
/// probability), where an op may draw (not in an [Update] body), and <c>x.Size(axis)</c> as a size.
/// </summary>
internal sealed partial class Lowering
{
    /// <summary>False after a diagnostic: a draw in an update rule (DSL0305), a constant probability out of range (DSL0021, DSL0022).</summary>
    private bool CheckRandom(Ir.Op op, int[] args, Ir.OperandLabel[] labels, int loc, Scope scope)
    {
        if (op is not RandomOp) return true;
        if (ElementwiseOnly)
        {
            Report(DiagnosticCatalog.RandomInUpdateRule, scope.Location(loc), ElementwiseOwner, op.Name + "(" + string.Join(", ", labels.Select(l => l.Text)) + ")");
            return false;
        }
        switch (op)
        {
            case DropoutOp when args.Length > 1 && Fold(args[1]) is { } p && !(p >= 0 && p < 1):
                Report(DiagnosticCatalog.DropoutProbability, scope.Location(loc), labels[1].Text, p.ToString("R", CultureInfo.InvariantCulture));
                return false;
            case BernoulliOp { WithProbability: true } when args.Length > 1 && Fold(args[1]) is { } p && !(p >= 0 && p <= 1):
                Report(DiagnosticCatalog.BadRandom, scope.Location(loc), op.Name, "a probability p in [0, 1]",
                    "'" + labels[1].Text + "' is " + p.ToString("R", CultureInfo.InvariantCulture));
                return false;
        }
        return true;
    }

    /// <summary>
    /// <c>x.Size(axis)</c> as a dim: x's size along a constant axis (negative counts from the end), a
    /// constant or a symbol known at run time (a [Shape] name of an input); null when x is no tensor or
    /// the axis is not a constant within x's rank.
    /// </summary>
    private Dim? SizeOf(CallExpr size, Scope scope)
    {
        var tensor = LowerExpression(size.Arguments[0], scope);
        if (tensor is null || Graph[tensor.Value].IsNumber) return null;
        var shape = Unifier.Resolve(Graph[tensor.Value].Shape);
        var axis = ConstantNumber(size.Arguments[1], scope);
        if (axis is null || axis.Value != System.Math.Floor(axis.Value)) return null;
        var index = (int)(axis.Value < 0 ? axis.Value + shape.Rank : axis.Value);
        return index >= 0 && index < shape.Rank ? Unifier.Resolve(shape[index]) : null;
    }
}
