using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Dsl.Generators.Ir;
using Dsl.Generators.Optimization;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Compile;

/// <summary>
/// What every compiled computation (an experiment's step, a model's Predict) plans the same way:
/// where each run-time dimension is read from, the expected axes of each input, and one buffer per
/// computed value (plus the auxiliary buffers its op writes). Dimensions are planned as data
/// (<see cref="DimValue"/>); Emit writes them.
/// </summary>
internal static class StepPlanning
{
    /// <summary>One buffer per computed node, named after the value, sized from <paramref name="dims"/>.</summary>
    public static ImmutableArray<BufferPlan> Buffers(IReadOnlyList<Node> nodes, DimTable dims, ShapeUnifier unifier)
    {
        var buffers = ImmutableArray.CreateBuilder<BufferPlan>();
        // Most buffers of a step share a handful of shapes: each shape's sizes are worked out once
        // and the buffers that have it share the one array.
        // (Looked up by reference first: most nodes share their shape object, and hashing a shape hashes its dims' names.)
        var sizes = new Dictionary<SymShape, EquatableArray<DimValue>>();
        var sizesByReference = new Dictionary<SymShape, EquatableArray<DimValue>>(ReferenceComparer<SymShape>.Instance);
        EquatableArray<DimValue> SizesOf(SymShape shape)
        {
            if (sizesByReference.TryGetValue(shape, out var known)) return known;
            var resolved = unifier.Resolve(shape);
            if (!sizes.TryGetValue(resolved, out known))
            {
                var values = new DimValue[resolved.Rank];
                for (var i = 0; i < values.Length; i++) values[i] = dims.Value(resolved[i]);
                sizes[resolved] = known = values.ToEquatableArray();
            }
            return sizesByReference[shape] = known;
        }
        Node NodeOf(int id) => nodes[id];
        System.Func<int, Node> nodeOf = NodeOf;
        foreach (var node in nodes)
        {
            if (!ValueNaming.Computed(node)) continue;
            buffers.Add(new BufferPlan(node.Id, node.Name, SizesOf(node.Shape), false, node.Op.ResultType));
            foreach (var auxiliary in node.Op.Auxiliary(node, nodeOf))
            {
                buffers.Add(new BufferPlan(node.Id, node.Name + auxiliary.Suffix, SizesOf(auxiliary.Shape), true, auxiliary.Type));
            }
        }
        return buffers.ToImmutable();
    }

    /// <summary>Each node with its shape resolved by the unifier; a node whose shape does not change stands as it is.</summary>
    public static List<Node> ResolveShapes(IReadOnlyList<Node> nodes, ShapeUnifier unifier)
    {
        var result = new List<Node>(nodes.Count);
        foreach (var node in nodes)
        {
            var shape = unifier.Resolve(node.Shape);
            result.Add(ReferenceEquals(shape, node.Shape) ? node : node with { Shape = shape });
        }
        return result;
    }

    public static EquatableArray<AxisPlan> AxesOf(Lowering lowering, string parameter, DimTable dims)
    {
        var input = lowering.Inputs.FirstOrDefault(i => i.Name == parameter);
        if (input is null) return EquatableArray<AxisPlan>.Empty;
        return input.Shape.Dims.Select(d => new AxisPlan(dims.Value(d), d.ToString(),
            lowering.Unifier.Resolve(d) is { IsConstant: true } constant ? constant.Value : null)).ToEquatableArray();
    }

    /// <summary>
    /// Where each run-time dimension's value comes from: the first input axis that has it
    /// (<c>images.Size(0)</c>), else a model's [Dim] field; and which other places must agree.
    /// </summary>
    public static DimTable RuntimeDims(Lowering lowering)
    {
        var table = new DimTable(lowering.Unifier);
        foreach (var input in lowering.Inputs)
        {
            for (var axis = 0; axis < input.Shape.Rank; axis++)
            {
                var resolved = lowering.Unifier.Resolve(input.Shape[axis]);
                if (resolved.IsConstant || table.Has(resolved)) continue;
                table.AddInput(resolved, input.Name, axis);
            }
        }
        foreach (var (symbol, path) in lowering.InstanceDims)
        {
            var resolved = lowering.Unifier.Resolve(symbol);
            if (!resolved.IsConstant && !table.Has(resolved) && resolved.Key == symbol.Key)
            {
                table.AddInstance(resolved, path);
                continue;
            }
            if (resolved.Key == symbol.Key) continue;
            table.Checks.Add(new DimCheckPlan(path, table.Value(resolved), symbol.Name + " of " + path.Substring(0, System.Math.Max(0, path.LastIndexOf('.')))));
        }
        return table;
    }

    internal sealed class DimTable(ShapeUnifier unifier)
    {
        private readonly Dictionary<string, DimValue> _byKey = new(System.StringComparer.Ordinal);
        private readonly HashSet<string> _names = new(System.StringComparer.Ordinal);

        public List<RuntimeDimPlan> Plans { get; } = [];

        public List<DimCheckPlan> Checks { get; } = [];

        public bool Has(Dim symbol) => _byKey.ContainsKey(symbol.Key);

        public void AddInput(Dim symbol, string input, int axis)
        {
            var name = Naming.LowerFirst(symbol.Name!);
            if (!_names.Add(name))
            {
                var n = 2;
                while (!_names.Add(name + n.ToString(System.Globalization.CultureInfo.InvariantCulture))) n++;
                name += n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            _byKey[symbol.Key] = new DimValue(DimSource.Runtime, 0, name);
            Plans.Add(new RuntimeDimPlan(name, input, axis, symbol.Name!));
        }

        public void AddInstance(Dim symbol, string path) => _byKey[symbol.Key] = DimValue.Member(path);

        /// <summary>A dimension's value: a constant, a size read from an input, or a model's [Dim] field.</summary>
        public DimValue Value(Dim dim)
        {
            var resolved = unifier.Resolve(dim);
            if (resolved.IsConstant) return DimValue.Of(resolved.Value);
            return _byKey.TryGetValue(resolved.Key, out var value) ? value : new DimValue(DimSource.Unbound, 0, resolved.Key);
        }
    }
}
