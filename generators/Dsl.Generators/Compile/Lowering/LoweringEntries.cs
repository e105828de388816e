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

/// <summary>The entry points: a loss or Forward, a [Step], an [Update] body.</summary>
internal sealed partial class Lowering
{
    /// <summary>Lowers a method whose tensor parameters are the step's inputs; returns the returned value.</summary>
    public int? LowerEntry(MethodSpec method, EquatableArray<LocationInfo> locations, Instance? self, Dictionary<string, Instance> instances,
        IEnumerable<NumberFieldSpec> numbers, string numberReceiver, string inputScope) =>
        LowerEntry(new Scope(locations, method.Name, self, instances, 0), method, self, numbers, numberReceiver, inputScope);

    /// <summary>
    /// Lowers a [Step]: like a loss (its return value is the loss reported), plus parameter updates
    /// (<c>Net.W += ...</c>) and update rules applied to <c>Grad(loss, model)</c>, collected in <see cref="Effects"/>.
    /// </summary>
    public int? LowerStep(MethodSpec method, EquatableArray<LocationInfo> locations, Dictionary<string, Instance> instances,
        IEnumerable<NumberFieldSpec> numbers) =>
        LowerEntry(new Scope(locations, method.Name, null, instances, 0) { Effects = true }, method, null, numbers, "", method.Name);

    private int? LowerEntry(Scope scope, MethodSpec method, Instance? self, IEnumerable<NumberFieldSpec> numbers, string numberReceiver, string inputScope)
    {
        foreach (var number in numbers) scope.Numbers[number.Name] = NumberOp.Member(numberReceiver + number.Name, number.Name);
        foreach (var parameter in method.Parameters)
        {
            if (parameter.IsTensor)
            {
                if (!parameter.HasShape)
                {
                    if (self is not null) return null;
                    scope.Unshaped[parameter.Name] = (parameter, inputScope);
                    continue;
                }
                var dims = parameter.Shape.Select(d => d.IsConstant ? Dim.Constant(d.Constant)
                    : self is not null && self.Dims.TryGetValue(d.Name!, out var modelDim) ? modelDim
                    : Dim.Symbol(inputScope, d.Name!)).ToArray();
                var shape = SymShape.Of(dims);
                var node = Graph.Add(new InputOp(parameter.Name), [], shape, ValueKind.Tensor, parameter.Name, NamePriority.Fixed);
                Inputs.Add(new InputInfo(parameter.Name, node, shape));
                scope.Values[parameter.Name] = node;
            }
            else
            {
                scope.Values[parameter.Name] = Graph.Add(NumberOp.Local(parameter.Name, parameter.Name), [], SymShape.Scalar, ValueKind.Number, parameter.Name, NamePriority.Fixed);
            }
        }
        return LowerBody(method, scope);
    }

    /// <summary>
    /// Lowers an [Update] body for one parameter: <paramref name="parameter"/> and
    /// <paramref name="gradient"/> are the values of its first two arguments; number fields are read from the rule itself. Returns the assignments and final values.
    /// </summary>
    public UpdateLowering? LowerUpdate(UpdateRuleSpec rule, int parameter, int gradient, string step, IReadOnlyDictionary<string, int> states,
        IReadOnlyDictionary<string, NumberOp>? numberOverrides = null, IReadOnlyDictionary<string, int>? numberStates = null)
    {
        var method = rule.Update!;
        var scope = new Scope(rule.Locations, method.Name, null, new Dictionary<string, Instance>(), 0) { Rule = rule.Name };
        foreach (var number in rule.Numbers) scope.Numbers[number.Name] = number.IsStatic ? NumberOp.Static(rule.FullName + "." + number.Name, number.Name) : NumberOp.Member(number.Name, number.Name);
        if (numberOverrides is not null)
        {
            foreach (var pair in numberOverrides) scope.Numbers[pair.Key] = pair.Value;
        }
        scope.Values[method.Parameters[0].Name] = parameter;
        scope.Values[method.Parameters[1].Name] = gradient;
        scope.Values[method.Parameters[2].Name] = Graph.Add(NumberOp.Local(step, "t"), [], SymShape.Scalar, ValueKind.Number, "step", NamePriority.Fixed);
        foreach (var state in states) scope.Values[state.Key] = state.Value;
        if (numberStates is not null)
        {
            foreach (var state in numberStates)
            {
                scope.Values[state.Key] = state.Value;
                scope.NumberStates.Add(state.Key);
            }
        }
        var before = _diagnostics.Count;
        LowerStatements(method, scope, allowAssignments: true, requireReturn: false);
        if (_diagnostics.Count > before) return null;
        var finals = new Dictionary<string, int>(System.StringComparer.Ordinal);
        foreach (var assignment in scope.Assignments) finals[assignment.Target] = scope.Values[assignment.Target];
        return new UpdateLowering(scope.Assignments, finals);
    }

    /// <summary>An [Update] body lowered: its assignments in order, and the value each assigned name holds at the end.</summary>
    internal sealed record UpdateLowering(List<(string Target, AssignOperator Operator, int Value, int Loc)> Assignments, Dictionary<string, int> FinalValues);
}
