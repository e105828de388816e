using Dsl.Runtime.Tests.Checkpoints;
using Dsl.Runtime.Tests.Training;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Runtime.Tests.Data;

[CollectionDefinition(nameof(FuzzTests), DisableParallelization = true)]
public sealed class FuzzTestsCollection;

/// <summary>
/// 1,000 random byte flips and 1,000 truncations of a checkpoint and of a fixture of each loader
/// format: no exception but the loader's own (CheckpointException, InvalidDataException), no hang,
/// peak memory (RSS) growing less than the documented bound, and no changed data accepted where the
/// format can tell (checkpoints by their checksums, gzip and zip members by their CRC-32). npy, CSV
/// and raw IDX carry no checksum: changed numbers there load as they are (counted, not asserted).
/// Issue 11.
/// </summary>
[Collection(nameof(FuzzTests))] // measures the process's peak memory: nothing else runs beside it
[Trait("Category", "LongRunning")]
public sealed class FuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Trials = 1000;
    private const long RssBound = 256L << 20; // docs/TRAINING.md, "What each file check guarantees"
    private readonly string _folder = Directory.CreateTempSubdirectory("dsl-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static long PeakRss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        return 0;
    }

    /// <summary>Loads a file and returns its values as doubles (null for a checkpoint that left the experiment as it was).</summary>
    private delegate double[] Loader(string path);

    private (int Refused, int Silent, int Same) Fuzz(string name, byte[] original, Loader load, Type refusal)
    {
        var expected = load(Write(name, original));
        var random = new Random(name.GetHashCode(StringComparison.Ordinal) & 0x7FFFFFFF);
        var (refused, silent, same) = (0, 0, 0);
        var unexpected = new List<string>();
        var work = Task.Run(() =>
        {
            for (var trial = 0; trial < 2 * Trials; trial++)
            {
                byte[] bytes;
                if (trial < Trials)
                {
                    bytes = (byte[])original.Clone();
                    bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                }
                else
                {
                    bytes = original.AsSpan(0, random.Next(original.Length)).ToArray();
                }
                var path = Write(name, bytes);
                try
                {
                    var values = load(path);
                    if (values.AsSpan().SequenceEqual(expected)) same++;
                    else silent++;
                }
                catch (Exception e) when (e.GetType() == refusal)
                {
                    refused++;
                }
                catch (Exception e)
                {
                    if (unexpected.Count < 5) unexpected.Add($"trial {trial}: {e.GetType().Name}: {e.Message[..Math.Min(200, e.Message.Length)]}");
                }
            }
        });
        Assert.True(((IAsyncResult)work).AsyncWaitHandle.WaitOne(TimeSpan.FromMinutes(5)), $"{name}: a load hung");
        work.GetAwaiter().GetResult();
        Assert.Empty(unexpected);
        output.WriteLine($"{name}: {refused} refused, {same} loaded unchanged data, {silent} loaded changed data");
        return (refused, silent, same);
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static double[] Values(Tensor tensor)
    {
        using (tensor)
        using (var asDouble = tensor.To(DType.Float64)) return asDouble.ToArray<double>();
    }

    [Fact]
    public void FlipsAndTruncationsNeverCrashHangOrPassChangedDataWhereTheFormatCanTell()
    {
        // A checkpoint: a refusal must leave the experiment as it was; a load must give the saved state.
        var source = CheckpointHardeningTests.Trained(1);
        var checkpoint = Path.Combine(_folder, "source.safetensors");
        source.Save(checkpoint);
        var target = CheckpointHardeningTests.Trained(2);
        var targetState = CheckpointHardeningTests.Snapshot(target).SelectMany(p => p).Select(v => (double)v).ToArray();
        var sourceStep = source.StepCount;
        // Measured once libtorch, the experiments and the GC are warm: what the fuzzing adds.
        target.Restore(checkpoint);
        target.Initialize(2);
        targetState = CheckpointHardeningTests.Snapshot(target).SelectMany(p => p).Select(v => (double)v).ToArray();
        GC.Collect();
        var before = PeakRss();
        var ckpt = Fuzz("checkpoint.safetensors", File.ReadAllBytes(checkpoint), path =>
        {
            try
            {
                var position = target.Restore(path);
                var state = CheckpointHardeningTests.Snapshot(target).SelectMany(p => p).Select(v => (double)v).ToArray();
                return position.Step == sourceStep ? state : [.. state, double.NaN];
            }
            catch (CheckpointException)
            {
                var state = CheckpointHardeningTests.Snapshot(target).SelectMany(p => p).Select(v => (double)v).ToArray();
                Assert.True(state.AsSpan().SequenceEqual(targetState) || state.AsSpan().SequenceEqual(
                    CheckpointHardeningTests.Snapshot(source).SelectMany(p => p).Select(v => (double)v).ToArray()), "a refused restore changed the parameters");
                throw;
            }
        }, typeof(CheckpointException));
        Assert.Equal(0, ckpt.Silent);

        using var array = Tensor.Arange(0, 96);
        using var matrix = array.Reshape([24, 4]);
        var npy = Path.Combine(_folder, "source.npy");
        Npy.Save(npy, matrix);
        Fuzz("fixture.npy", File.ReadAllBytes(npy), path => Values(Npy.Load(path)), typeof(InvalidDataException));

        var npz = Path.Combine(_folder, "source.npz");
        var renamed = 0;
        Npz.Save(npz, [new("a", matrix), new("b", array)], compress: true);
        var zip = Fuzz("fixture.npz", File.ReadAllBytes(npz), path =>
        {
            using var arrays = Npz.Load(path);
            if (!arrays.Keys.Order().SequenceEqual(["a", "b"]))
            {
                // A member's name is not covered by zip's CRC-32 (only its data is): a flipped name loads under the new name.
                renamed++;
                return [.. Values(matrix.Alias()), .. Values(array.Alias())];
            }
            return [.. Values(arrays["a"].Alias()), .. Values(arrays["b"].Alias())];
        }, typeof(InvalidDataException));
        Assert.Equal(0, zip.Silent);
        output.WriteLine($"fixture.npz: {renamed} loads found a member under a changed name");

        var rows = string.Join("\n", Enumerable.Range(0, 24).Select(i => $"{i * 0.5},{i % 3}"));
        var csv = System.Text.Encoding.UTF8.GetBytes("x,label\n" + rows + "\n");
        Fuzz("fixture.csv", csv, path =>
        {
            using var data = Csv.Load(path, new CsvOptions { Label = "label" });
            return [.. Values(data["features"]), .. Values(data["labels"])];
        }, typeof(InvalidDataException));

        var idx = LoaderHardeningTests.IdxBytes(0x08, [30, 5], 150);
        Fuzz("fixture.idx", idx, path => Values(Idx.Load(path)), typeof(InvalidDataException));
        var gz = Fuzz("fixture.idx.gz", LoaderHardeningTests.Gzip(idx), path => Values(Idx.Load(path)), typeof(InvalidDataException));
        Assert.Equal(0, gz.Silent);

        var growth = PeakRss() - before;
        output.WriteLine($"peak RSS grew {growth >> 20} MiB");
        Assert.True(growth < RssBound, $"peak RSS grew {growth >> 20} MiB");
    }
}
