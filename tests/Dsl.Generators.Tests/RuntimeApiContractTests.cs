using Dsl.Generators.Emit;

namespace Dsl.Generators.Tests;

/// <summary>Every runtime member the emitted code calls (Emit/RuntimeApi.cs) exists in Dsl.Runtime with those parameter types.</summary>
public sealed class RuntimeApiContractTests
{
    [Fact]
    public void EveryRuntimeMemberTheEmitterUsesExists()
    {
        var runtime = typeof(Tensor).Assembly;
        var missing = new List<string>();
        foreach (var (typeName, member, parameters) in RuntimeApi.Contract)
        {
            var type = runtime.GetType(typeName);
            var candidates = type is null ? []
                : member == ".ctor" ? type.GetConstructors().Select(c => c.GetParameters()).ToList()
                : type.GetMethods().Where(m => m.Name == member).Select(m => m.GetParameters()).ToList();
            if (!candidates.Any(p => p.Select(x => x.ParameterType.Name).SequenceEqual(parameters)))
            {
                missing.Add(typeName + "." + member + "(" + string.Join(", ", parameters) + ")");
            }
        }
        Assert.True(missing.Count == 0, "Dsl.Runtime lacks: " + string.Join("; ", missing));
    }
}
