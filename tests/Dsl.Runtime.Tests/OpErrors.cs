using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>How the op tests check a refused call: the exception, and a runtime that still works after it.</summary>
internal static class OpErrors
{
    /// <summary>
    /// The call throws a <see cref="DslException"/> for <paramref name="operation"/> whose message holds
    /// every fragment, and the next native call still succeeds (the error left no state behind).
    /// </summary>
    public static DslException Fails(Action call, string operation, params string[] fragments)
    {
        var error = Assert.Throws<DslException>(call);
        Assert.Equal(operation, error.Operation);
        foreach (var fragment in fragments) Assert.Contains(fragment, error.Message);
        using var a = Tensor.Ones([2]);
        using var b = a + a;
        Assert.Equal([2f, 2f], b.ToArray<float>());
        return error;
    }
}
