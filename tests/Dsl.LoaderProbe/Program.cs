using Dsl;

using var a = Tensor.FromArray([1f, 2f, 3f], 3);
using var b = a + a;
Console.WriteLine(string.Join(",", b.ToArray<float>()));
Console.WriteLine(Threading.AppliedDefaults is null ? "threads: defaults not applied" : "threads: defaults applied");
