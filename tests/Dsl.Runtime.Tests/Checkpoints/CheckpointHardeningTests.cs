using System.Runtime.InteropServices;
using Dsl.Runtime.Tests.Training;
using Xunit;

namespace Dsl.Runtime.Tests.Checkpoints;

/// <summary>
/// Checkpoint metadata is validated before anything changes (ranges, dtype, versions, world size,
/// random state), tensors and header carry CRC-32C checksums, and files that are not regular
/// files are refused. Issue 11, findings 4, 5 and 6.
/// </summary>
public sealed partial class CheckpointHardeningTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    internal static BlobsExperiment Trained(ulong seed)
    {
        using var data = Synthetic.Blobs(60, classes: 3, features: 2, seed: 4);
        var experiment = new BlobsExperiment();
        experiment.Initialize(seed);
        experiment.Fit(data, new FitOptions { Epochs = 1, BatchSize = 20, Verbosity = FitVerbosity.Silent });
        return experiment;
    }

    internal static float[][] Snapshot(IExperiment experiment) => experiment.Parameters.Select(p => p.Value.ToArray<float>()).ToArray();

    /// <summary>Rewrites a checkpoint with edited metadata (the tensors as they are; checksums recomputed unless turned off).</summary>
    internal static void Rewrite(string path, Action<Dictionary<string, string>> edit, bool checksums = true)
    {
        Dictionary<string, string> metadata;
        var tensors = new List<(string, Tensor)>();
        using (var file = SafeTensors.Open(path))
        {
            metadata = file.Metadata.Where(kv => !kv.Key.StartsWith("dsl.crc32c:", StringComparison.Ordinal) && kv.Key != "dsl.header_crc32c")
                .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            foreach (var name in file.Names) tensors.Add((name, file.Read(name)));
        }
        edit(metadata);
        SafeTensors.Save(path, tensors, metadata, checksums);
        foreach (var (_, tensor) in tensors) tensor.Dispose();
    }

    private string SavedCheckpoint()
    {
        var path = _folder.File("run.safetensors");
        Trained(1).Save(path);
        return path;
    }

    private CheckpointException RefusedLeavingParameters(string path)
    {
        var target = Trained(7);
        var before = Snapshot(target);
        var step = target.StepCount;
        var error = Assert.Throws<CheckpointException>(() => target.Restore(path));
        Assert.Equal(before, Snapshot(target));
        Assert.Equal(step, target.StepCount);
        Assert.Contains(path, error.Message);
        return error;
    }

    [Theory]
    [InlineData("dsl.epoch", "3000000000")]
    [InlineData("dsl.batch", "3000000000")]
    [InlineData("dsl.batch_size", "2147483648")]
    [InlineData("dsl.step", "9223372036854775807")]
    [InlineData("dsl.step", "9007199254740993")]
    [InlineData("dsl.epoch", "-1")]
    [InlineData("dsl.step", "+5")]
    [InlineData("dsl.world_size", "0")]
    [InlineData("dsl.world_size", "x")]
    [InlineData("dsl.seed", "18446744073709551616")]
    public void OutOfRangeCountsAreRefusedBeforeAnythingChanges(string key, string value)
    {
        var path = SavedCheckpoint();
        Rewrite(path, metadata => metadata[key] = value);
        var error = RefusedLeavingParameters(path);
        Assert.Contains(key, error.Message);
    }

    [Theory]
    [InlineData("123")]
    [InlineData("Int64")]
    [InlineData("Float33")]
    public void AnUnknownOrNonFloatDTypeIsACheckpointErrorNamingTheFile(string dtype)
    {
        var path = SavedCheckpoint();
        Rewrite(path, metadata => metadata["dsl.dtype"] = dtype);
        var error = RefusedLeavingParameters(path);
        Assert.Contains("dsl.dtype", error.Message);
        // An experiment not yet initialized stays so (the dtype is never used to initialize it).
        var fresh = new BlobsExperiment();
        Assert.Throws<CheckpointException>(() => fresh.Restore(path));
        Assert.False(((IExperiment)fresh).IsInitialized);
    }

    [Fact]
    public void ANewerFormatIsRefusedNamingBothVersions()
    {
        var path = SavedCheckpoint();
        Rewrite(path, metadata => metadata["dsl.format"] = "3");
        var error = RefusedLeavingParameters(path);
        Assert.Contains("format version 3", error.Message);
        Assert.Contains("format version 2", error.Message);
    }

    [Fact]
    public void FormatOneAndUnversionedCheckpointsStillLoad()
    {
        var source = Trained(1);
        var expected = Snapshot(source);
        foreach (var format in new[] { "1", null })
        {
            var path = _folder.File($"old-{format ?? "none"}.safetensors");
            source.Save(path);
            // Version 1 wrote no checksums, world size or random state.
            Rewrite(path, metadata =>
            {
                if (format is null) metadata.Remove("dsl.format");
                else metadata["dsl.format"] = format;
                metadata.Remove("dsl.world_size");
            }, checksums: false);
            using (var file = SafeTensors.Open(path)) Assert.False(file.HasChecksums);
            var target = Trained(9);
            var position = target.Restore(path);
            Assert.Equal(expected, Snapshot(target));
            Assert.Equal(1, position.WorldSize);
            Assert.Null(position.RngState);
        }
    }

    [Fact]
    public void AVersionTwoCheckpointWithoutChecksumsIsRefused()
    {
        var path = SavedCheckpoint();
        Rewrite(path, _ => { }, checksums: false);
        var error = RefusedLeavingParameters(path);
        Assert.Contains("without checksums", error.Message);
    }

    [Fact]
    public void WorldSizeAndRandomStateRoundTrip()
    {
        var source = Trained(1);
        var path = _folder.File("dist.safetensors");
        var rng = Convert.ToBase64String(new byte[] { 1, 2, 3, 4, 5, 6 });
        ExperimentCheckpoint.Save(source, path, new TrainingPosition(3, 1, 0, 5, 20, WorldSize: 4, RngState: rng));
        var position = ExperimentCheckpoint.ReadPosition(path);
        Assert.Equal(new TrainingPosition(3, 1, 0, 5, 20, 4, rng), position);
        Assert.Equal(position, Trained(2).Restore(path));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("")]
    [InlineData("AAA")]
    public void AMalformedRandomStateIsRefused(string state)
    {
        var path = SavedCheckpoint();
        Rewrite(path, metadata => metadata["dsl.rng_state"] = state);
        Assert.Contains("dsl.rng_state", RefusedLeavingParameters(path).Message);
    }

    [Fact]
    public void AFlippedByteInATensorIsACheckpointErrorNamingTheTensor()
    {
        var path = SavedCheckpoint();
        string name;
        long position;
        using (var file = SafeTensors.Open(path))
        {
            var info = file.Info("param/Net.W2");
            (name, position) = (info.Name, file.DataOffset + info.DataBegin + 5);
        }
        var bytes = File.ReadAllBytes(path);
        bytes[position] ^= 0x01; // the lowest mantissa bit: a value that still looks plausible
        File.WriteAllBytes(path, bytes);
        var error = RefusedLeavingParameters(path);
        Assert.Equal(name, error.TensorName);
        Assert.Contains("checksum", error.Message);
    }

    [Fact]
    public void AChangedDigitInTheHeaderIsNoticed()
    {
        var path = SavedCheckpoint();
        var bytes = File.ReadAllBytes(path);
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        var at = text.IndexOf("\"dsl.step\":\"", StringComparison.Ordinal) + "\"dsl.step\":\"".Length;
        Assert.True(at > 20, text[..200]);
        bytes[at] = bytes[at] == (byte)'7' ? (byte)'8' : (byte)'7';
        File.WriteAllBytes(path, bytes);
        Assert.Contains("header does not match", RefusedLeavingParameters(path).Message);
    }

    [Fact]
    public void SafeTensorsReadVerifiesTheChecksumToo()
    {
        using var tensor = Tensor.FromArray([1f, 2f, 3f, 4f], 4);
        var path = _folder.File("plain.safetensors");
        SafeTensors.Save(path, [("x", tensor)]);
        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        using var file = SafeTensors.Open(path);
        Assert.Equal("x", Assert.Throws<CheckpointException>(() => file.Read("x")).TensorName);
        using var destination = Tensor.Zeros([4]);
        Assert.Throws<CheckpointException>(() => file.ReadInto("x", destination));
        Assert.Equal(new float[4], destination.ToArray<float>());
    }

    [Fact]
    public void Crc32CMatchesTheStandardCheckValue()
    {
        // The CRC-32C of "123456789" is 0xE3069283 (RFC 3720, appendix B.4's check value).
        Assert.Equal(0xE3069283u, Dsl.Checkpoints.Crc32C.Append(0, "123456789"u8));
        var data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 31)).ToArray();
        var whole = Dsl.Checkpoints.Crc32C.Append(0, data);
        Assert.Equal(whole, Dsl.Checkpoints.Crc32C.Append(Dsl.Checkpoints.Crc32C.Append(0, data.AsSpan(0, 333)), data.AsSpan(333)));
    }

    [Fact]
    public void RestoringAFifoIsRefusedInsteadOfBlocking()
    {
        var path = _folder.File("pipe.safetensors");
        Assert.Equal(0, MakeFifo(path, 0x1B6));
        var target = Trained(7);
        var attempt = Task.Run(() => target.Restore(path));
        var finished = ((IAsyncResult)attempt).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(20));
        if (!finished)
        {
            // Unblock the reader that the old code left waiting for a writer.
            using var writer = new FileStream(path, FileMode.Open, FileAccess.Write);
        }
        Assert.True(finished, "Restore of a FIFO blocked");
        var error = Assert.IsType<CheckpointException>(attempt.Exception?.InnerException);
        Assert.Contains("FIFO", error.Message);
    }

    [LibraryImport("libc.so.6", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeFifo(string path, int mode);
}
