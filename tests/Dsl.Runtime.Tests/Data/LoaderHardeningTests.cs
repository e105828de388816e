using System.IO.Compression;
using System.Text;
using Xunit;

namespace Dsl.Runtime.Tests.Data;

/// <summary>
/// Issue 11, finding 7: every refusal is an InvalidDataException naming the file and the reason, and
/// a small file cannot make a loader allocate more than its own size (raw), what deflate can expand
/// it to (gzip), or the npz limit.
/// </summary>
public sealed class LoaderHardeningTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dsl-loaders-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string File(string name, byte[] bytes)
    {
        var path = Path.Combine(_folder, name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    internal static byte[] NpyBytes(string dictionary, int dataBytes)
    {
        var header = dictionary.PadRight(64 - 10 - 1) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.AddRange([1, 0, (byte)header.Length, 0]);
        bytes.AddRange(Encoding.Latin1.GetBytes(header));
        bytes.AddRange(new byte[dataBytes]);
        return bytes.ToArray();
    }

    internal static byte[] IdxBytes(byte type, int[] dims, int dataBytes)
    {
        var bytes = new List<byte> { 0, 0, type, (byte)dims.Length };
        foreach (var d in dims) bytes.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        bytes.AddRange(Enumerable.Range(0, dataBytes).Select(i => (byte)i));
        return bytes.ToArray();
    }

    internal static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal)) gzip.Write(data);
        return output.ToArray();
    }

    private static void RefusedNaming(string path, Action load, string reason)
    {
        var error = Assert.Throws<InvalidDataException>(load);
        Assert.StartsWith(path, error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void AnNpyShapeWhoseByteSizeOverflowsIsAClearError()
    {
        var path = File("huge.npy", NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2305843009213693952,), }", 16));
        RefusedNaming(path, () => Npy.Load(path), "overflows");
    }

    [Fact]
    public void IdxSizesWhoseProductWrapsAreRefused()
    {
        // 65536^4 elements: 2^64, which wraps to 0 in 64-bit arithmetic.
        var path = File("wrap.idx", IdxBytes(0x08, [65536, 65536, 65536, 65536], 0));
        RefusedNaming(path, () => Idx.Load(path), "overflows");
    }

    [Fact]
    public void ASmallGzipIdxClaimingAHundredGigabytesIsRefusedBeforeAllocating()
    {
        var path = File("claim.idx.gz", Gzip(IdxBytes(0x08, [100_000, 1000, 1000], 10)));
        Assert.True(new FileInfo(path).Length < 100);
        RefusedNaming(path, () => Idx.Load(path), "more than");
    }

    [Fact]
    public void DamagedGzipSaysSo()
    {
        var good = Gzip(IdxBytes(0x08, [50, 4], 200));
        var damaged = (byte[])good.Clone();
        damaged[12] ^= 0xFF; // inside the deflate data
        var path = File("damaged.idx.gz", damaged);
        RefusedNaming(path, () => Idx.Load(path), "gzip data is damaged");
    }

    [Fact]
    public void NpzWithTwoMembersOfOneNameIsRefused()
    {
        var path = Path.Combine(_folder, "twice.npz");
        using (var file = System.IO.File.Create(path))
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
        {
            foreach (var _ in new[] { 1, 2 })
            {
                using var stream = zip.CreateEntry("x.npy").Open();
                stream.Write(NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8));
            }
        }
        RefusedNaming(path, () => Npz.Load(path), "two members");
    }

    [Fact]
    public void NpzDeclaredSizesAreCheckedAgainstTheLimitBeforeDecompressing()
    {
        var path = Path.Combine(_folder, "bomb.npz");
        using (var zeros = Tensor.Zeros([1 << 20]))
        {
            Npz.Save(path, [new("zeros", zeros)], compress: true);
        }
        Assert.True(new FileInfo(path).Length < 10_000); // 4 MiB of zeros compress ~1000x
        RefusedNaming(path, () => Npz.Load(path, maxBytes: 1 << 20), "above the limit");
        using var loaded = Npz.Load(path);
        Assert.Equal(1L << 20, loaded["zeros"].NumElements);
    }

    [Fact]
    public void AHugeCsvCellGivesAShortMessage()
    {
        var cell = new string('9', 5_000_000) + "x";
        var path = Path.Combine(_folder, "huge.csv");
        System.IO.File.WriteAllText(path, "a,b\n1," + cell + "\n");
        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path));
        Assert.StartsWith(path, error.Message);
        Assert.True(error.Message.Length < 400, $"{error.Message.Length} characters");
    }

    [Fact]
    public void ANulInsideANumberIsRefused()
    {
        var path = Path.Combine(_folder, "nul.csv");
        System.IO.File.WriteAllText(path, "a,b\n1,2\0\n");
        RefusedNaming(path, () => Csv.Load(path), "is not a number");
    }

    [Fact]
    public void ADuplicateHeaderIsRefused()
    {
        var path = Path.Combine(_folder, "dup.csv");
        System.IO.File.WriteAllText(path, "a,a\n1,2\n");
        RefusedNaming(path, () => Csv.Load(path), "twice");
    }
}
