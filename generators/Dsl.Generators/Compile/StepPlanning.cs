using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Dsl.Generators.Emit;
using Dsl.Generators.Ir;
using Dsl.Generators.Optimization;
using Dsl.Generators.Shapes;

namespace Dsl.Generators;

/// <summary>
/// What every compiled computation (an experiment's step, a model's Predict) plans the same way:
/// where each run-time dimension is read from, the expected axes of each input, and one buffer per
/// computed value (plus the auxiliary buffers its op writes).
/// </summary>
internal static class StepPlanning
{
    /// <summary>One buffer per computed node, named <paramref name="prefix"/> + the value's name, sized in C# from <paramref name="dims"/>.</summary>
    public static ImmutableArray<BufferPlan> Buffers(IReadOnlyList<Node> nodes, DimTable dims, ShapeUnifier unifier, string prefix)
    {
        var buffers = ImmutableArray.CreateBuilder<BufferPlan>();
        foreach (var node in nodes.Where(ValueNaming.Computed))
        {
            var field = prefix + (prefix == "_" ? node.Name : char.ToUpperInvariant(node.Name[0]) + node.Name.Substring(1));
            buffers.Add(new BufferPlan(node.Id, field, node.Shape.Dims.Select(d => dims.Expression(d)).ToEquatableArray(), false));
            foreach (var auxiliary in node.Op.Auxiliary(node, id => nodes[id]))
            {
                buffers.Add(new BufferPlan(node.Id, EmitContext.AuxiliaryField(field, auxiliary.Suffix),
                    unifier.Resolve(auxiliary.Shape).Dims.Select(d => dims.Expression(d)).ToEquatableArray(), true));
            }
        }
        return buffers.ToImmutable();
    }

    public static EquatableArray<AxisPlan> AxesOf(Lowering lowering, string parameter, DimTable dims)
    {
        var input = lowering.Inputs.FirstOrDefault(i => i.Name == parameter);
        if (input is null) return EquatableArray<AxisPlan>.Empty;
        return input.Shape.Dims.Select(d => new AxisPlan(dims.Expression(d, local: true), d.ToString(),
            lowering.Unifier.Resolve(d) is { IsConstant: true } constant ? constant.Value : null)).ToEquatableArray();
    }

    /// <summary>
    /// Where each run-time dimension's value comes from: the first input axis that has it
    /// (<c>images.Size(0)</c>), else a model's [Dim] field; and which other places must agree.
    /// </summary>
    public static DimTable RuntimeDims(Lowering lowering, string fieldPrefix = "_")
    {
        var table = new DimTable(lowering.Unifier, fieldPrefix);
        foreach (var input in lowering.Inputs)
        {
            for (var axis = 0; axis < input.Shape.Rank; axis++)
            {
                var resolved = lowering.Unifier.Resolve(input.Shape[axis]);
                if (resolved.IsConstant || table.Has(resolved)) continue;
                table.AddInput(resolved, RuntimeApi.Size(input.Name, axis));
            }
        }
        foreach (var (symbol, expression) in lowering.InstanceDims)
        {
            var resolved = lowering.Unifier.Resolve(symbol);
            if (!resolved.IsConstant && !table.Has(resolved) && resolved.Key == symbol.Key)
            {
                table.AddInstance(resolved, expression);
                continue;
            }
            if (resolved.Key == symbol.Key) continue;
            table.Checks.Add(new DimCheckPlan(expression, table.Expression(resolved, local: true), symbol.Name + " of " + expression.Substring(0, System.Math.Max(0, expression.LastIndexOf('.')))));
        }
        return table;
    }

    internal sealed class DimTable(ShapeUnifier unifier, string fieldPrefix)
    {
        private readonly Dictionary<string, (string Field, string Local, bool FromInput, string Source)> _byKey = new(System.StringComparer.Ordinal);
        private readonly HashSet<string> _locals = new(System.StringComparer.Ordinal);

        public List<RuntimeDimPlan> Plans { get; } = [];

        public List<DimCheckPlan> Checks { get; } = [];

        public bool Has(Dim symbol) => _byKey.ContainsKey(symbol.Key);

        public void AddInput(Dim symbol, string source)
        {
            var local = Lowering.Camel(symbol.Name!);
            if (CSharp.IsKeyword(local) || !_locals.Add(local))
            {
                var n = 2;
                while (!_locals.Add(local + n.ToString(System.Globalization.CultureInfo.InvariantCulture))) n++;
                local += n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            var field = fieldPrefix == "_" ? "_" + local : fieldPrefix + char.ToUpperInvariant(local[0]) + local.Substring(1);
            _byKey[symbol.Key] = (field, local, true, source);
            Plans.Add(new RuntimeDimPlan(field, local, source, symbol.Name!));
        }

        public void AddInstance(Dim symbol, string expression) => _byKey[symbol.Key] = ("(long)" + expression, "(long)" + expression, false, expression);

        /// <summary>The C# value of a dimension: a literal, the field holding an input's size, or a model's [Dim] field.</summary>
        public string Expression(Dim dim, bool local = false)
        {
            var resolved = unifier.Resolve(dim);
            if (resolved.IsConstant) return CSharp.Literal(resolved.Value);
            if (_byKey.TryGetValue(resolved.Key, out var entry)) return local ? entry.Local : entry.Field;
            return "(long)" + resolved.Key;
        }
    }

}
