using System.Globalization;
using System.Linq;
using Dsl.Generators.Compile;

namespace Dsl.Generators.Emit;

/// <summary>
/// Writes an experiment's <c>Dsl.IRuleStates</c>: its update-rule states by index, each with its rule and
/// parameter, so the runtime's <c>UsingState</c> / <c>UsingEvaluationState</c> can swap a state into the
/// parameters (Schedule-Free's x, an EMA) and Fit can evaluate there. A state no step has made yet is
/// made here, as the step would make it (zeros or a copy of the parameter).
/// </summary>
internal static class RuleStatesEmitter
{
    public const string Interface = "global::Dsl.IRuleStates";

    /// <summary>A step refuses to run while a state is swapped into the parameters (before anything changes).</summary>
    public static void RefuseWhileEvaluating(CodeWriter writer, ExperimentPlan plan, string member)
    {
        if (plan.RuleStates.Count > 0) writer.Line("global::Dsl.RuleStates.ThrowIfEvaluating(this, " + CSharp.String(member) + ");");
    }

    public static void Emit(CodeWriter writer, ExperimentPlan plan)
    {
        string[] hiding = ["index", "rule", "parameter"];
        writer.Line();
        writer.Line("int " + Interface + ".RuleStateCount => " + plan.RuleStates.Count.ToString(CultureInfo.InvariantCulture) + ";");
        writer.Line();
        using (writer.Block("global::Dsl.UpdateRuleState " + Interface + ".RuleState(int index, out global::Dsl.IUpdateRule rule, out " + RuntimeApi.Tensor + " parameter)"))
        {
            if (plan.RuleStates.Count > 0)
            {
                using (writer.Block("switch (index)"))
                {
                    for (var i = 0; i < plan.RuleStates.Count; i++)
                    {
                        var state = plan.RuleStates[i];
                        var rule = Identifiers.Member(state.Rule, hiding);
                        var parameter = Identifiers.Member(state.Parameter, hiding);
                        writer.Line("case " + i.ToString(CultureInfo.InvariantCulture) + ":");
                        writer.Line("    rule = " + rule + ";");
                        writer.Line("    parameter = " + parameter + ";");
                        writer.Line("    return " + Identifiers.Generated(state.Field) + " ??= " + rule + ".CreateState(" + parameter + ");");
                    }
                }
            }
            writer.Line("throw new global::System.ArgumentOutOfRangeException(nameof(index), index, "
                + CSharp.String(plan.Name + " keeps " + plan.RuleStates.Count.ToString(CultureInfo.InvariantCulture) + " update-rule states") + ");");
        }
    }
}
