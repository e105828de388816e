using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Operations;
using Dsl.Generators.Parsing;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Compile;

/// <summary>
/// Calls of the language's functions: the arguments bound to the function's parameters (positional,
/// then named; defaults filled in), values lowered to inputs, settings (axes, flags, constants)
/// evaluated at compile time, then the op made by OpCatalog from the bound arguments.
/// </summary>
internal sealed partial class Lowering
{
    private int? LowerCall(CallExpr call, Scope scope)
    {
        if (call.Function == "Grad" && call.Arguments.Count == 2) return LowerGrad(call, scope);
        if (call.Function == "Size" || (call.Function == "Select" && RuntimePosition(call, scope))) return LowerLoopCall(call, scope);
        if (!Functions.TryGet(call.Function, out var function))
        {
            Report(DiagnosticCatalog.UnknownFunction, scope.Location(call.Loc), call.Function, Functions.SupportedFunctionList);
            return null;
        }
        var bound = Bind(call, function, scope);
        if (bound is null) return null;

        // A function of numbers applied to numbers only (Exp(-Rate)): evaluated inline.
        var lowered = new int?[bound.Length];
        if (function.Numbers && function.Parameters.All(p => p.Kind is ArgumentKind.Tensor or ArgumentKind.Value))
        {
            for (var i = 0; i < bound.Length; i++)
            {
                if (bound[i] is not { } expr) continue;
                lowered[i] = LowerExpression(expr, scope);
                if (lowered[i] is null) return null;
            }
            if (lowered.All(v => v is null || Graph[v.Value].IsNumber))
            {
                return Graph.Add(new NumberFunctionOp(function.Name), lowered.Where(v => v is not null).Select(v => v!.Value).ToList(),
                    SymShape.Scalar, ValueKind.Number, "number", NamePriority.Auto);
            }
        }

        var arguments = new OpArguments();
        for (var i = 0; i < function.Parameters.Count; i++)
        {
            if (!BindParameter(function, function.Parameters[i], bound[i], lowered[i], arguments, call, scope)) return null;
        }
        var args = arguments.Inputs.ToArray();
        var labels = arguments.Labels.ToArray();
        if (!function.Tensors || OpCatalog.Create(function.Name, arguments) is not { } op)
        {
            var firstTensor = System.Array.FindIndex(args, a => !Graph[a].IsNumber);
            Report(DiagnosticCatalog.UnsupportedSyntax, scope.Location(call.Loc),
                "Calling " + function.Name + " on the tensor " + (firstTensor >= 0 ? labels[firstTensor].Text : "arguments") + " (it applies to numbers only)", scope.Method);
            return null;
        }
        for (var i = 0; i < function.Roles.Length && i < args.Length; i++) Graph.Rename(args[i], function.Roles[i] + scope.NameSuffix, NamePriority.Role);
        if (op is MatMulOp product)
        {
            // MatMul(Transpose(a), b), Bmm(a, Transpose(b, 1, 2)): the product reads an operand with its last two axes
            // swapped (a flag, no copy); the Transpose node is left dead.
            var transposeA = SwapsLastTwo(args[0]);
            var transposeB = SwapsLastTwo(args[1]);
            if (transposeA) args[0] = Graph[args[0]].Inputs[0];
            if (transposeB) args[1] = Graph[args[1]].Inputs[0];
            for (var i = 0; i < 2; i++)
            {
                if ((i == 0 ? transposeA : transposeB) && bound[i] is CallExpr { Function: "Transpose" } transpose) labels[i] = new ExpressionLabel(transpose.Arguments[0]);
            }
            op = product with { TransposeA = transposeA, TransposeB = transposeB };
        }
        if (op is EinsumOp { Equation: var equation } && equation.Contains("..."))
        {
            // '...' becomes letters now that the operands' ranks are known.
            if (EinsumOp.ExpandEllipsis(equation, args.Select(a => Graph[a].Shape.Rank).ToArray(), out var problem) is not { } expanded)
            {
                Report(DiagnosticCatalog.BadArgument, scope.Location(call.Loc), function.Name, "the equation \"" + equation + "\": " + problem);
                return null;
            }
            op = new EinsumOp(expanded);
        }
        if (!CheckRandom(op, args, labels, call.Loc, scope)) return null;
        return AddNode(op, args, labels, call.Loc, scope);
    }

    /// <summary>Whether the value is a Transpose of its operand's last two axes (which a product reads through its flag).</summary>
    private bool SwapsLastTwo(int value) =>
        Graph[value].Op is TransposeOp transpose && transpose.SwapsLastTwo(Graph[Graph[value].Inputs[0]].Shape.Rank);

    /// <summary>The argument given for each parameter (null where left out), or null after a diagnostic.</summary>
    private Expr?[]? Bind(CallExpr call, Functions.Function function, Scope scope)
    {
        var bound = new Expr?[function.Parameters.Count];
        var positional = 0;
        var restIndex = -1;
        var rest = new List<Expr>();
        foreach (var argument in call.Arguments)
        {
            if (argument is NamedExpr named)
            {
                var index = IndexOf(function, named.Name);
                if (index < 0)
                {
                    Report(DiagnosticCatalog.BadArgument, scope.Location(named.Loc), function.Name,
                        "it has no parameter '" + named.Name + "' (" + function.Signature + ")");
                    return null;
                }
                if (bound[index] is not null)
                {
                    Report(DiagnosticCatalog.BadArgument, scope.Location(named.Loc), function.Name, "'" + named.Name + "' is given twice");
                    return null;
                }
                bound[index] = named.Value;
                continue;
            }
            if (restIndex >= 0)
            {
                rest.Add(argument);
                continue;
            }
            while (positional < bound.Length && bound[positional] is not null) positional++;
            if (positional >= bound.Length)
            {
                ReportCount(call, function, scope);
                return null;
            }
            if (function.Parameters[positional].Rest)
            {
                // A params parameter takes the remaining positional arguments: Reshape(x, -1, 400) is Reshape(x, [-1, 400]).
                restIndex = positional;
                rest.Add(argument);
                continue;
            }
            bound[positional++] = argument;
        }
        if (rest.Count > 0)
        {
            // One item stays itself (Reshape(x, [2, 3]), Reshape(x, 6)), except that a list of tensors is always a list.
            var single = rest.Count == 1 && (rest[0] is ListExpr || function.Parameters[restIndex].Kind != ArgumentKind.Tensors);
            bound[restIndex] = single ? rest[0] : new ListExpr(EquatableArray.Create(rest.ToArray()), rest[0].Loc);
        }
        for (var i = 0; i < bound.Length; i++)
        {
            if (bound[i] is not null || !function.Parameters[i].Required) continue;
            if (call.Arguments.Any(a => a is NamedExpr))
            {
                Report(DiagnosticCatalog.BadArgument, scope.Location(call.Loc), function.Name,
                    "'" + function.Parameters[i].Name + "' is required (" + function.Signature + ")");
            }
            else
            {
                ReportCount(call, function, scope);
            }
            return null;
        }
        return bound;
    }

    private static int IndexOf(Functions.Function function, string name)
    {
        for (var i = 0; i < function.Parameters.Count; i++)
        {
            if (function.Parameters[i].Name == name) return i;
        }
        return -1;
    }

    private void ReportCount(CallExpr call, Functions.Function function, Scope scope)
    {
        var most = function.Parameters.Count;
        var takes = function.Arity == most ? most.ToString(CultureInfo.InvariantCulture)
            : function.Arity.ToString(CultureInfo.InvariantCulture) + " to " + most.ToString(CultureInfo.InvariantCulture);
        Report(DiagnosticCatalog.WrongArgumentCount, scope.Location(call.Loc), call.Function, takes, call.Arguments.Count.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Lowers or evaluates one argument into <paramref name="arguments"/>; false after a diagnostic.</summary>
    private bool BindParameter(Functions.Function function, FunctionParameter parameter, Expr? expr, int? lowered, OpArguments arguments, CallExpr call, Scope scope)
    {
        var name = parameter.Name;
        if (expr is null)
        {
            switch (parameter.Default)
            {
                case null:
                    return false;
                case var absent when ReferenceEquals(absent, FunctionParameter.Absent):
                    return true;
                case double number when parameter.Kind == ArgumentKind.Number:
                    arguments.AddInput(name, Number(number), number.ToString("R", CultureInfo.InvariantCulture));
                    return true;
                case int integer:
                    arguments.Set(name, (long)integer);
                    return true;
                case string reduction when parameter.Kind == ArgumentKind.Reduction:
                    arguments.Set(name, new ReductionSetting(reduction));
                    return true;
                default:
                    arguments.Set(name, parameter.Default);
                    return true;
            }
        }
        var where = scope.Location(expr.Loc) ?? scope.Location(call.Loc);
        string Written() => AstPrinter.Print(expr);
        bool Bad(string problem)
        {
            Report(DiagnosticCatalog.BadArgument, where, function.Name, "'" + name + "' " + problem);
            return false;
        }

        switch (parameter.Kind)
        {
            case ArgumentKind.Tensor:
            case ArgumentKind.Value:
            case ArgumentKind.Number:
            {
                if (expr is NameExpr passed && !scope.Values.ContainsKey(passed.Name) && scope.Unshaped.ContainsKey(passed.Name)
                    && InferredShape(function, parameter, arguments) is { } inferred)
                {
                    BindUnshaped(passed.Name, inferred, scope);
                }
                if (expr is ListExpr or BoolExpr or StringExpr) return Bad("must be a " + (parameter.Kind == ArgumentKind.Number ? "number" : "tensor") + ", but '" + Written() + "' is a setting");
                var value = lowered ?? LowerExpression(expr, scope);
                if (value is null) return false;
                if (parameter.Kind == ArgumentKind.Tensor && Graph[value.Value].IsNumber)
                {
                    Report(DiagnosticCatalog.ScalarWhereTensor, scope.Location(call.Loc), function.Name, Written());
                    return false;
                }
                if (parameter.Kind == ArgumentKind.Number && !Graph[value.Value].IsNumber) return Bad("must be a number, but '" + Written() + "' is a tensor");
                arguments.AddInput(name, value.Value, new ExpressionLabel(expr));
                return true;
            }
            case ArgumentKind.Tensors:
            {
                if (expr is not ListExpr list) return Bad("must be a list of tensors such as [a, b], but is '" + Written() + "'");
                if (list.Items.Count == 0) return Bad("must hold at least one tensor");
                foreach (var item in list.Items)
                {
                    var value = LowerExpression(item, scope);
                    if (value is null) return false;
                    if (Graph[value.Value].IsNumber)
                    {
                        Report(DiagnosticCatalog.ScalarWhereTensor, scope.Location(item.Loc) ?? where, function.Name, AstPrinter.Print(item));
                        return false;
                    }
                    arguments.AddInput(name, value.Value, new ExpressionLabel(item));
                }
                return true;
            }
            case ArgumentKind.Int:
            {
                var dim = ConstantDim(expr, scope);
                if (dim is not { IsConstant: true }) return Bad("must be a constant integer, but '" + Written() + "' is " + (dim is null ? "not" : "a size known only at run time"));
                arguments.Set(name, dim.Value);
                return true;
            }
            case ArgumentKind.Ints:
            {
                var items = expr is ListExpr list ? list.Items.ToArray() : [expr];
                var dims = new Dim[items.Length];
                for (var i = 0; i < items.Length; i++)
                {
                    var dim = ConstantDim(items[i], scope);
                    if (dim is null) return Bad("must be constant integers (or a model's [Dim]), but '" + AstPrinter.Print(items[i]) + "' is not");
                    dims[i] = dim;
                }
                arguments.Set(name, EquatableArray.Create(dims));
                return true;
            }
            case ArgumentKind.Bool:
                if (expr is not BoolExpr flag) return Bad("must be true or false, but is '" + Written() + "'");
                arguments.Set(name, flag.Value);
                return true;
            case ArgumentKind.Constant:
            {
                var number = ConstantNumber(expr, scope);
                if (number is null) return Bad("must be a constant number, but '" + Written() + "' is not");
                arguments.Set(name, number.Value);
                return true;
            }
            case ArgumentKind.Reduction:
                if (expr is MemberExpr { Path.Count: >= 2 } member && member.Path[member.Path.Count - 2] == "Reduction"
                    && member.Path[member.Path.Count - 1] is "Mean" or "Sum" or "None")
                {
                    arguments.Set(name, new ReductionSetting(member.Path[member.Path.Count - 1]));
                    return true;
                }
                return Bad("must be Reduction.Mean, Reduction.Sum or Reduction.None, but is '" + Written() + "'");
            case ArgumentKind.Text:
                if (expr is not StringExpr text) return Bad("must be a string literal, but is '" + Written() + "'");
                arguments.Set(name, text.Value);
                return true;
            default:
                return Bad("is of a kind the generator does not know");
        }
    }

    /// <summary>
    /// The shape a loss fixes for its labels or target given the prediction already bound (its first
    /// input): class indices drop the class axis ([N, C] → [N], [N, C, d...] → [N, d...]); a target has
    /// the prediction's shape. Null for other parameters.
    /// </summary>
    private SymShape? InferredShape(Functions.Function function, FunctionParameter parameter, OpArguments arguments)
    {
        var index = IndexOf(function, parameter.Name);
        if (index < 1 || index >= function.Roles.Length || arguments.InputsOf(function.Parameters[0].Name).Count != 1) return null;
        var prediction = Unifier.Resolve(Graph[arguments.Inputs[arguments.InputsOf(function.Parameters[0].Name).First]].Shape);
        return function.Roles[index] switch
        {
            "labels" when prediction.Rank >= 2 => new SymShape(prediction.Dims.Where((_, axis) => axis != 1).ToEquatableArray()),
            "labels" => SymShape.Scalar,
            "target" or "targets" => prediction,
            _ => null,
        };
    }

    /// <summary>
    /// An integer known at compile time (a literal, a loop variable, arithmetic of those) as a constant
    /// dim, or a model's [Dim] as its symbol; null for anything else.
    /// </summary>
    private Dim? ConstantDim(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case NameExpr name when !scope.Values.ContainsKey(name.Name) && scope.Self is { } self && self.Dims.TryGetValue(name.Name, out var dim):
                return Unifier.Resolve(dim);
            case MemberExpr member when ResolveInstance(member.Path, member.Path.Count - 1, scope) is { } instance
                && instance.Dims.TryGetValue(member.Path[member.Path.Count - 1], out var memberDim):
                return Unifier.Resolve(memberDim);
            case CallExpr { Function: BodyParser.SizeFunction, Arguments.Count: 2 } size:
                return SizeOf(size, scope);
        }
        var number = ConstantNumber(expr, scope);
        if (number is null || number.Value != System.Math.Floor(number.Value) || System.Math.Abs(number.Value) > 1e15) return null;
        return Dim.Constant((long)number.Value);
    }

    /// <summary>A number known at compile time: a literal, a constant local, or arithmetic of those.</summary>
    private double? ConstantNumber(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case NumberExpr number:
                return number.Value;
            case UnaryExpr { Operator: UnaryOperator.Negate } negate:
                return -ConstantNumber(negate.Operand, scope);
            case NameExpr name when scope.Values.TryGetValue(name.Name, out var id):
                return Fold(id);
            case NameExpr name when scope.Self is { } self && self.Dims.TryGetValue(name.Name, out var dim) && Unifier.Resolve(dim).IsConstant:
                return Unifier.Resolve(dim).Value;
            case BinaryExpr binary:
                return Arithmetic(binary.Operator, ConstantNumber(binary.Left, scope), ConstantNumber(binary.Right, scope));
            default:
                return null;
        }
    }

    /// <summary>The value of a number node when it is a constant (or arithmetic of constants).</summary>
    private double? Fold(int id)
    {
        var node = Graph[id];
        switch (node.Op)
        {
            case NumberOp { Source: NumberSource.Constant } constant:
                return constant.Value;
            case NumberNegateOp:
                return -Fold(node.Inputs[0]);
            case NumberArithmeticOp arithmetic:
                return Arithmetic(arithmetic.Operator, Fold(node.Inputs[0]), Fold(node.Inputs[1]));
            default:
                return null;
        }
    }

    /// <summary>left ∘ right when both are known (null for an unknown operand or a division by zero).</summary>
    private static double? Arithmetic(BinaryOperator op, double? left, double? right)
    {
        if (left is null || right is null) return null;
        return op switch
        {
            BinaryOperator.Add => left + right,
            BinaryOperator.Subtract => left - right,
            BinaryOperator.Multiply => left * right,
            _ => right == 0 ? null : left / right,
        };
    }
}
