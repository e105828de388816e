using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Microsoft.CodeAnalysis;

namespace Dsl.Generators.Parsing;

// ---- rule state: [State(Init = ..., EvaluateAt = ...)] tensors and [State] double numbers ----
internal sealed partial class DeclarationParser
{
    /// <summary>
    /// A [State] member: a Tensor (zeros or, with <c>Init = StateInit.Parameter</c>, a copy of the parameter) or a
    /// double (a number per parameter, starting at 0); null (with a diagnostic) for anything else.
    /// </summary>
    private (bool IsNumber, bool FromParameter, bool EvaluateAt)? StateMember(ISymbol member)
    {
        var attribute = GetAttribute(member, StateAttribute)!;
        var location = member.Locations.FirstOrDefault();
        var type = MemberType(member);
        var isTensor = IsTensor(type);
        var isNumber = type?.SpecialType == SpecialType.System_Double;
        if (!isTensor && !isNumber)
        {
            if (NumberTypeOf(type) is not null)
            {
                Report(DiagnosticCatalog.BadNumberState, location, member.Name, _type.Name,
                    "a number state is a double (it holds sums of learning rates and the like), not " + type!.ToDisplayString());
            }
            else
            {
                Report(DiagnosticCatalog.BadMemberType, location, member.Name, "State", "Dsl.Tensor (a tensor of the parameter's shape) or double (a number per parameter)");
            }
            return null;
        }
        if (member.IsStatic)
        {
            Report(DiagnosticCatalog.BadMemberType, location, member.Name, "State", "an instance field (each parameter gets its own state), not a static one");
            return null;
        }
        var fromParameter = false;
        var init = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Init").Value;
        if (!init.IsNull && init.Value is int initValue)
        {
            if (initValue is not (0 or 1))
            {
                Report(DiagnosticCatalog.BadStateInit, location, member.Name, _type.Name,
                    "Init = " + initValue.ToString(System.Globalization.CultureInfo.InvariantCulture) + " is not a StateInit; expected StateInit.Zeros or StateInit.Parameter");
                return null;
            }
            fromParameter = initValue == 1;
            if (isNumber && fromParameter)
            {
                Report(DiagnosticCatalog.BadStateInit, location, member.Name, _type.Name,
                    "Init = StateInit.Parameter copies the parameter into a tensor of its shape, but this state is a double (a number starts at 0); declare it 'Tensor' or drop Init");
                return null;
            }
        }
        var evaluateAt = attribute.NamedArguments.FirstOrDefault(a => a.Key == "EvaluateAt").Value.Value is true;
        if (evaluateAt && isNumber)
        {
            Report(DiagnosticCatalog.BadEvaluationState, location, _type.Name,
                "'" + member.Name + "' is marked EvaluateAt = true, but it is a double; the model is evaluated at a Tensor state of the parameter's shape");
            return null;
        }
        return (isNumber, fromParameter, evaluateAt);
    }

    /// <summary>At most one evaluation state (DSL0307); no number state named like a parameter of the [Update] method (DSL0308).</summary>
    private void CheckRuleStates(List<string> evaluationStates, ImmutableArray<string> numberStateList, MethodSpec? update)
    {
        if (evaluationStates.Count > 1)
        {
            Report(DiagnosticCatalog.BadEvaluationState, Identifier().GetLocation(), _type.Name,
                "the states " + string.Join(", ", evaluationStates.Select(n => "'" + n + "'")) + " are all marked EvaluateAt = true, but the model is evaluated at one of them; mark only one");
        }
        if (update is not null && numberStateList.Length > 0)
        {
            var parameterNames = update.Parameters.Select(p => p.Name).ToList();
            foreach (var name in numberStateList.Where(parameterNames.Contains))
            {
                Report(DiagnosticCatalog.BadNumberState, _type.GetMembers(name).FirstOrDefault()?.Locations.FirstOrDefault(), name, _type.Name,
                    "a parameter of the [Update] method has its name; rename one of them");
            }
        }
    }
}
