using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Dsl.Generators.Autodiff;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Operations;
using Dsl.Generators.Parsing;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Compile;

/// <summary>Expressions: names, members, operators, calls of the language's functions, Grad, inlined Forward and [Differentiable] calls.</summary>
internal sealed partial class Lowering
{
    private int? LowerExpression(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case NumberExpr number:
                return Number(number.Value);

            case NameExpr name:
                return LowerName(name, scope);

            case MemberExpr member:
                return LowerMember(member, scope);

            case UnaryExpr unary:
            {
                var operand = LowerExpression(unary.Operand, scope);
                if (operand is null || ReportConditionAsValue(operand.Value, new ExpressionLabel(unary.Operand), unary.Loc, scope)) return null;
                if (Graph[operand.Value].IsNumber) return Graph.Add(new NumberNegateOp(), [operand.Value], SymShape.Scalar, ValueKind.Number, "number", NamePriority.Auto);
                return AddNode(new NegOp(), [operand.Value], [new ExpressionLabel(unary.Operand)], unary.Loc, scope);
            }
            case BinaryExpr binary:
                return LowerBinaryChain(binary, scope);

            case CallExpr call:
                return LowerCall(call, scope);

            case CompareExpr or LogicalExpr or NotExpr:
                return LowerCondition(expr, scope);

            case ConditionalExpr conditional:
                return LowerConditional(conditional, scope);

            case ForwardCallExpr forward:
                return LowerForward(forward, scope);

            case InlineCallExpr inline:
                return LowerInline(inline, scope);

            case CustomCallExpr custom:
            {
                if (custom.Arguments.Count != 1) return null;
                var argument = LowerExpression(custom.Arguments[0], scope);
                if (argument is null) return null;
                return AddNode(new CustomFunctionOp(custom.Function, custom.Method, custom.Rule), [argument.Value],
                    [new ExpressionLabel(custom.Arguments[0])], custom.Loc, scope);
            }

            case NamedExpr or ListExpr or BoolExpr or StringExpr:
                Report(DiagnosticCatalog.UnsupportedSyntax, scope.Location(expr.Loc), DescribeSetting(expr), scope.Method,
                    "lists, true/false, strings and named arguments are settings of a language function (Sum(x, [0, 1], keepdim: true)), not values");
                return null;

            default:
                return null;
        }
    }

    private static string DescribeSetting(Expr expr) => expr switch
    {
        NamedExpr named => "The named argument '" + AstPrinter.Print(named) + "'",
        ListExpr list => "The list '" + AstPrinter.Print(list) + "'",
        _ => "The constant '" + AstPrinter.Print(expr) + "'",
    };

    /// <summary>
    /// A binary expression and the binary expressions down its left side (<c>a + b + c + ...</c>, which
    /// C# nests to the left) lowered in a loop, in the order recursion would (left, right, node), so a
    /// sum of any length takes no stack.
    /// </summary>
    private int? LowerBinaryChain(BinaryExpr top, Scope scope)
    {
        var spine = new Stack<BinaryExpr>();
        Expr expr = top;
        while (expr is BinaryExpr inner)
        {
            spine.Push(inner);
            expr = inner.Left;
        }
        var value = LowerExpression(expr, scope);
        while (spine.Count > 0)
        {
            var binary = spine.Pop();
            var right = LowerExpression(binary.Right, scope);
            value = value is null || right is null ? null : LowerBinary(binary, value.Value, right.Value, scope);
        }
        return value;
    }

    private int? LowerBinary(BinaryExpr binary, int left, int right, Scope scope)
    {
        OperandLabel leftLabel = new ExpressionLabel(binary.Left), rightLabel = new ExpressionLabel(binary.Right);
        if (ReportConditionAsValue(left, leftLabel, binary.Loc, scope) || ReportConditionAsValue(right, rightLabel, binary.Loc, scope)) return null;
        if (Graph[left].IsNumber && Graph[right].IsNumber)
        {
            return Graph.Add(new NumberArithmeticOp(binary.Operator), [left, right], SymShape.Scalar, ValueKind.Number, "number", NamePriority.Auto);
        }
        Op op = binary.Operator switch
        {
            BinaryOperator.Add => new AddOp(),
            BinaryOperator.Subtract => new SubOp(),
            BinaryOperator.Multiply => new MulOp(),
            _ => new DivOp(),
        };
        return AddNode(op, [left, right], [leftLabel, rightLabel], binary.Loc, scope);
    }

    private int? LowerName(NameExpr name, Scope scope)
    {
        if (ReportPartlyAssigned(name, scope)) return null;
        if (scope.Values.TryGetValue(name.Name, out var value)) return value;
        if (scope.Unshaped.TryGetValue(name.Name, out var unshaped))
        {
            // Used before anything fixed its shape: it needs its [Shape].
            Report(DiagnosticCatalog.MissingShape, scope.Location(unshaped.Parameter.Loc), name.Name, scope.Method);
            return null;
        }
        if (scope.Self is { } self)
        {
            if (self.Spec.Params.Any(p => p.Name == name.Name)) return ParameterRead(self.Receiver + name.Name, scope);
            if (self.Dims.TryGetValue(name.Name, out var dim)) return DimNumber(dim, self.Receiver + name.Name);
            if (self.Spec.Numbers.FirstOrDefault(n => n.Name == name.Name) is { } number)
                return NumberNode(number.IsStatic ? NumberOp.Static(self.Spec.FullName + "." + number.Name, number.Name) : NumberOp.Member(self.Receiver + number.Name, number.Name));
        }
        if (scope.Numbers.TryGetValue(name.Name, out var numberField)) return NumberNode(numberField with { Display = name.Name });
        Report(DiagnosticCatalog.UnknownName, scope.Location(name.Loc), name.Name, scope.Method);
        return null;
    }

    private int? LowerMember(MemberExpr member, Scope scope)
    {
        var instance = ResolveInstance(member.Path, member.Path.Count - 1, scope);
        var last = member.Path[member.Path.Count - 1];
        if (instance is not null)
        {
            if (instance.Spec.Params.Any(p => p.Name == last)) return ParameterRead(instance.Receiver + last, scope);
            if (instance.Dims.TryGetValue(last, out var dim)) return DimNumber(dim, instance.Receiver + last);
            if (instance.Spec.Numbers.FirstOrDefault(n => n.Name == last) is { } number)
                return NumberNode(number.IsStatic ? NumberOp.Static(instance.Spec.FullName + "." + number.Name, member.ToString()) : NumberOp.Member(instance.Receiver + number.Name, member.ToString()));
        }
        Report(DiagnosticCatalog.UnknownName, scope.Location(member.Loc), member.ToString(), scope.Method);
        return null;
    }

    private static Instance? ResolveInstance(EquatableArray<string> path, int count, Scope scope)
    {
        if (count == 0) return null;
        Instance? instance = null;
        for (var i = 0; i < count; i++)
        {
            var children = instance?.Children ?? (scope.Self is { } self && self.Children.ContainsKey(path[0]) ? self.Children : scope.Instances);
            if (!children.TryGetValue(path[i], out instance)) return null;
        }
        return instance;
    }

    /// <summary>
    /// <c>Grad(y, x)</c>: dy/dx for a scalar y, expanded here into the IR of the derivative (the
    /// reverse pass from y to x), so the loss's own differentiation later goes through it again.
    /// </summary>
    private int? LowerGrad(CallExpr call, Scope scope)
    {
        if (ModelOf(call.Arguments[1], scope) is { } model) return LowerModelGrad(call, model, scope);
        var y = LowerExpression(call.Arguments[0], scope);
        var x = LowerExpression(call.Arguments[1], scope);
        if (y is null || x is null) return null;
        var (yLabel, xLabel) = (AstPrinter.Print(call.Arguments[0]), AstPrinter.Print(call.Arguments[1]));
        FirstGrad ??= scope.Location(call.Loc);
        string? problem = null;
        if (Graph[y.Value].IsNumber || Graph[x.Value].IsNumber) problem = "both arguments must be tensors";
        else if (Unifier.Resolve(Graph[y.Value].Shape).Rank != 0) problem = yLabel + " must be a scalar (reduce it with Sum or Mean), but it is " + Unifier.Resolve(Graph[y.Value].Shape);
        if (problem is null)
        {
            try
            {
                var gradient = ReverseMode.Gradient(Graph, y.Value, x.Value, OpCatalog.Adjoint, Unifier);
                if (gradient is not null) return gradient;
                problem = yLabel + " does not depend on " + xLabel;
            }
            catch (MissingDerivativeException missing)
            {
                ReportMissingDerivative(missing, scope.Location(call.Loc), "Grad(" + yLabel + ", " + xLabel + ")");
                return null;
            }
        }
        Report(DiagnosticCatalog.InvalidGrad, scope.Location(call.Loc), yLabel, xLabel, scope.Method, problem);
        return null;
    }

    /// <summary>The model instance an argument names (<c>Net</c>, <c>Net.Encoder</c>), or null when it names something else.</summary>
    private static Instance? ModelOf(Expr expr, Scope scope) => expr switch
    {
        NameExpr name when !scope.Values.ContainsKey(name.Name) => scope.Instances.TryGetValue(name.Name, out var instance) ? instance : null,
        MemberExpr member => ResolveInstance(member.Path, member.Path.Count, scope),
        _ => null,
    };

    /// <summary>
    /// <c>Grad(loss, model)</c>: the gradient of a scalar loss with respect to every trainable
    /// parameter of the model (sub-models included) that it depends on, as one gradient set.
    /// </summary>
    private int? LowerModelGrad(CallExpr call, Instance model, Scope scope)
    {
        var y = LowerExpression(call.Arguments[0], scope);
        if (y is null) return null;
        var (yLabel, modelLabel) = (AstPrinter.Print(call.Arguments[0]), AstPrinter.Print(call.Arguments[1]));
        FirstGrad ??= scope.Location(call.Loc);
        string? problem = null;
        if (Graph[y.Value].Kind != ValueKind.Tensor) problem = yLabel + " must be a scalar tensor";
        else if (Unifier.Resolve(Graph[y.Value].Shape).Rank != 0) problem = yLabel + " must be a scalar (reduce it with Sum or Mean), but it is " + Unifier.Resolve(Graph[y.Value].Shape);
        if (problem is null)
        {
            var parameters = Parameters.Where(p => p.Path.StartsWith(model.Receiver, System.StringComparison.Ordinal) && !p.Spec.Frozen
                && _parameterNodes.ContainsKey(p.Path)).ToList();
            var targets = parameters.Select(p => _parameterNodes[p.Path]).ToList();
            try
            {
                var gradients = ReverseMode.GradientsOf(Graph, y.Value, targets, OpCatalog.Adjoint, Unifier);
                var found = parameters.Where(p => gradients.ContainsKey(_parameterNodes[p.Path])).ToList();
                if (found.Count > 0)
                {
                    return Graph.Add(new GradientSetOp(model.Path, found.Select(p => p.Path).ToImmutableArray()),
                        found.Select(p => gradients[_parameterNodes[p.Path]]).ToList(), SymShape.Scalar, ValueKind.Gradients, "gradients", NamePriority.Auto);
                }
                problem = yLabel + " does not depend on a trainable parameter of " + modelLabel;
            }
            catch (MissingDerivativeException missing)
            {
                ReportMissingDerivative(missing, scope.Location(call.Loc), "Grad(" + yLabel + ", " + modelLabel + ")");
                return null;
            }
        }
        Report(DiagnosticCatalog.InvalidGrad, scope.Location(call.Loc), yLabel, modelLabel, scope.Method, problem);
        return null;
    }


    private int? LowerInline(InlineCallExpr call, Scope scope)
    {
        if (call.Arguments.Count != call.Parameters.Count)
        {
            Report(DiagnosticCatalog.WrongArgumentCount, scope.Location(call.Loc), call.Function,
                call.Parameters.Count.ToString(CultureInfo.InvariantCulture), call.Arguments.Count.ToString(CultureInfo.InvariantCulture));
            return null;
        }
        if (scope.Depth >= MaxInlineDepth)
        {
            Report(DiagnosticCatalog.RecursiveModel, scope.Location(call.Loc), call.Function, call.Function);
            return null;
        }
        var inner = new Scope(scope.Locations, call.Function, null, new Dictionary<string, Instance>(), scope.Depth + 1) { NameSuffix = scope.NameSuffix };
        for (var i = 0; i < call.Parameters.Count; i++)
        {
            var value = LowerExpression(call.Arguments[i], scope);
            if (value is null) return null;
            inner.Values[call.Parameters[i]] = value.Value;
        }
        return LowerBody(new MethodSpec(call.Function, EquatableArray<ParameterSpec>.Empty, call.Body, call.Loc), inner);
    }

    private int? LowerForward(ForwardCallExpr call, Scope scope)
    {
        var instance = ResolveInstance(call.Receiver, call.Receiver.Count, scope);
        var written = string.Join(".", call.Receiver) + ".Forward";
        if (instance is null)
        {
            Report(DiagnosticCatalog.UnknownName, scope.Location(call.Loc), string.Join(".", call.Receiver), scope.Method);
            return null;
        }
        var forward = instance.Spec.Forward;
        if (forward is null) return null;
        if (scope.Depth >= MaxInlineDepth)
        {
            Report(DiagnosticCatalog.RecursiveModel, scope.Location(call.Loc), instance.Spec.Name, written);
            return null;
        }
        if (call.Arguments.Count != forward.Parameters.Count)
        {
            Report(DiagnosticCatalog.WrongArgumentCount, scope.Location(call.Loc), written,
                forward.Parameters.Count.ToString(CultureInfo.InvariantCulture), call.Arguments.Count.ToString(CultureInfo.InvariantCulture));
            return null;
        }

        var inner = new Scope(instance.Spec.Locations, instance.Path + ".Forward", instance, instance.Children, scope.Depth + 1)
        {
            NameSuffix = scope.NameSuffix,
            Frozen = scope.Frozen || call.Frozen,
        };
        var pattern = new Dictionary<string, Dim>(System.StringComparer.Ordinal);
        for (var i = 0; i < forward.Parameters.Count; i++)
        {
            var parameter = forward.Parameters[i];
            if (parameter.IsTensor && parameter.HasShape && call.Arguments[i] is NameExpr passed && !scope.Values.ContainsKey(passed.Name)
                && scope.Unshaped.TryGetValue(passed.Name, out var unshaped))
            {
                // images passed to Net.Forward(images) without a [Shape]: Forward's declared shape, the model's dims resolved.
                var dims = parameter.Shape.Select(d => d.IsConstant ? Dim.Constant(d.Constant)
                    : instance.Dims.TryGetValue(d.Name!, out var modelDim) ? Unifier.Resolve(modelDim)
                    : Dim.Symbol(unshaped.InputScope, d.Name!)).ToArray();
                BindUnshaped(passed.Name, SymShape.Of(dims), scope);
            }
            var value = LowerExpression(call.Arguments[i], scope);
            if (value is null) return null;
            var label = AstPrinter.Print(call.Arguments[i]);
            var node = Graph[value.Value];
            if (parameter.IsTensor)
            {
                if (!parameter.HasShape) return null;
                if (node.IsNumber)
                {
                    Report(DiagnosticCatalog.ScalarWhereTensor, scope.Location(call.Loc), written, parameter.Name);
                    return null;
                }
                if (!BindArgument(parameter, node.Shape, instance, pattern))
                {
                    var declared = "[" + string.Join(", ", parameter.Shape.Select(d => d.IsConstant ? d.ToString()
                        : instance.Dims.TryGetValue(d.Name!, out var dim) ? Unifier.Resolve(dim).ToString() : d.Name!)) + "]";
                    Report(DiagnosticCatalog.ArgumentShape, scope.Location(call.Loc), written, parameter.Name, declared, label, Unifier.Resolve(node.Shape).ToString());
                    return null;
                }
            }
            inner.Values[parameter.Name] = value.Value;
        }
        var result = LowerBody(forward, inner);
        if (result is not null)
        {
            Graph.Rename(result.Value, Naming.FromPath(instance.Path) + "Output" + scope.NameSuffix, NamePriority.Output);
        }
        return result;
    }

    /// <summary>Matches an argument's shape against a Forward parameter's [Shape]: constants and model dims must agree; other names bind on first use.</summary>
    private bool BindArgument(ParameterSpec parameter, SymShape actual, Instance instance, Dictionary<string, Dim> pattern)
    {
        if (actual.Rank != parameter.Shape.Count) return false;
        for (var i = 0; i < actual.Rank; i++)
        {
            var declared = parameter.Shape[i];
            Dim expected;
            if (declared.IsConstant) expected = Dim.Constant(declared.Constant);
            else if (instance.Dims.TryGetValue(declared.Name!, out var modelDim)) expected = modelDim;
            else if (pattern.TryGetValue(declared.Name!, out var bound)) expected = bound;
            else
            {
                pattern[declared.Name!] = actual[i];
                continue;
            }
            if (!Unifier.Unify(expected, actual[i])) return false;
        }
        return true;
    }
}
