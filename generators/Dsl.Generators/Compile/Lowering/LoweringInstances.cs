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

/// <summary>Model instances (the tree of sub-model fields, their [Dim]s) and the parameters they hold.</summary>
internal sealed partial class Lowering
{
    /// <summary>Builds the instance tree of a sub-model field; null when its type is not a usable model.</summary>
    public Instance? CreateInstance(string path, MemberInstanceSpec member, EquatableArray<LocationInfo> locations, HashSet<string>? enclosing = null)
    {
        if (!_models.TryGetValue(member.TypeName, out var spec) || spec.HasErrors)
        {
            Incomplete = true;
            return null;
        }
        enclosing ??= new HashSet<string>(System.StringComparer.Ordinal);
        if (!enclosing.Add(spec.FullName))
        {
            Report(DiagnosticCatalog.RecursiveModel, Loc(locations, member.Loc), spec.Name, path);
            Incomplete = true;
            return null;
        }
        var instance = new Instance(path, spec);
        foreach (var dim in spec.Dims)
        {
            var binding = member.Bindings.FirstOrDefault(b => b.Dim == dim);
            if (binding is not null)
            {
                instance.Dims[dim] = Dim.Constant(binding.Value);
            }
            else
            {
                var symbol = Dim.Symbol(path.Length == 0 ? spec.Name : path, dim);
                instance.Dims[dim] = symbol;
                InstanceDims.Add((symbol, instance.Receiver + dim));
            }
        }
        foreach (var child in spec.SubModels)
        {
            var childInstance = CreateInstance(Join(path, child.Name), child, spec.Locations, enclosing);
            if (childInstance is not null) instance.Children[child.Name] = childInstance;
        }
        enclosing.Remove(spec.FullName);
        RegisterParameters(instance);
        return instance;
    }

    /// <summary>A model on its own (for its checks and its initialization plan): dims are symbols, parameters named bare.</summary>
    public Instance CreateStandalone(ModelSpec spec)
    {
        var instance = new Instance("", spec);
        foreach (var dim in spec.Dims)
        {
            var symbol = Dim.Symbol(spec.Name, dim);
            instance.Dims[dim] = symbol;
            InstanceDims.Add((symbol, dim));
        }
        var enclosing = new HashSet<string>(System.StringComparer.Ordinal) { spec.FullName };
        foreach (var child in spec.SubModels)
        {
            var childInstance = CreateInstance(child.Name, child, spec.Locations, enclosing);
            if (childInstance is not null) instance.Children[child.Name] = childInstance;
        }
        RegisterParameters(instance);
        return instance;
    }


    private int ParameterNode(string path)
    {
        if (_parameterNodes.TryGetValue(path, out var node)) return node;
        var info = Parameters.First(p => p.Path == path);
        node = Graph.Add(new ParameterOp(path, info.Spec.Frozen), [], info.Shape, ValueKind.Tensor, info.Name, NamePriority.Fixed);
        _parameterNodes[path] = node;
        return node;
    }

    /// <summary>A parameter as a body reads it: through NoGrad inside <c>Frozen(model).Forward</c>.</summary>
    private int ParameterRead(string path, Scope scope)
    {
        var node = ParameterNode(path);
        return scope.Frozen ? Graph.Add(new NoGradOp(), [node], Graph[node].Shape, ValueKind.Tensor, Graph[node].Name, NamePriority.Auto) : node;
    }

    /// <summary>The node of a parameter (made on first use).</summary>
    public int ParameterNodeOf(ParameterInfo parameter) => ParameterNode(parameter.Path);

    public bool IsParameterUsed(ParameterInfo parameter) => _parameterNodes.ContainsKey(parameter.Path);

    private void RegisterParameters(Instance instance)
    {
        foreach (var param in instance.Spec.Params)
        {
            var dims = param.Shape.Select(d => d.IsConstant ? Dim.Constant(d.Constant) : instance.Dims[d.Name!]).ToArray();
            Parameters.Add(new ParameterInfo(instance.Receiver + param.Name, param.Name, instance.Receiver, param, SymShape.Of(dims)));
        }
    }

    /// <summary>Gives parameters short unique names: <c>W1</c> when only one instance has it, <c>encoderW1</c> otherwise.</summary>
    public void NameParameters()
    {
        var names = new Dictionary<string, string>(System.StringComparer.Ordinal);
        foreach (var group in Parameters.GroupBy(p => p.Name))
        {
            var ambiguous = group.Count() > 1;
            foreach (var parameter in group) names[parameter.Path] = ambiguous ? Naming.FromPath(parameter.Path) : parameter.Name;
        }
        // Every version of a parameter (a [Step] reads a new one after each update) has the parameter's name.
        foreach (var node in Graph.Nodes.ToList())
        {
            if (node.Op is ParameterOp parameter && names.TryGetValue(parameter.Path, out var name)) Graph.Replace(node with { Name = name });
        }
    }
}
