// Usage: Dsl.CheckpointProbe <path> <first iteration>
// Saves a checkpoint of a few MB to <path> over and over, forever. In iteration i every element of
// every tensor is i and the metadata says "iteration": "i"; after each save it prints "saved i".
using System.Globalization;
using Dsl;

if (args.Length != 2 || !long.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iteration))
{
    Console.Error.WriteLine("usage: Dsl.CheckpointProbe <path> <first iteration>");
    return 2;
}
var path = args[0];

// Several dtypes and sizes, so a torn write could land inside any of them. Float32 holds every
// integer below 2^24 exactly, which bounds the iterations the tests use.
using var weight = Tensor.Zeros([512, 1024]);                     // 2 MiB
using var moments = Tensor.Zeros([256, 512], DType.Float64);      // 1 MiB
using var counts = Tensor.Zeros([300], DType.Int64);
using var flags = Tensor.Zeros([4096], DType.UInt8);
(string, Tensor)[] tensors = [("weight", weight), ("moments", moments), ("counts", counts), ("flags", flags)];
var metadata = new Dictionary<string, string>();

while (true)
{
    foreach (var (_, tensor) in tensors) Kernels.Fill(tensor, tensor.DType == DType.UInt8 ? iteration % 256 : iteration);
    metadata["iteration"] = iteration.ToString(CultureInfo.InvariantCulture);
    SafeTensors.Save(path, tensors, metadata);
    Console.Out.WriteLine($"saved {iteration}");
    Console.Out.Flush();
    iteration++;
}
