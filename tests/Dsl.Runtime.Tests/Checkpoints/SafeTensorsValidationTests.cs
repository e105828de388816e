using Xunit;

namespace Dsl.Runtime.Tests.Checkpoints;

/// <summary>
/// Corrupt and malicious files are refused when opened, with a message that names the file and the
/// problem, and without allocating anything the header claims (a lying header must not make the
/// reader reserve terabytes).
/// </summary>
public sealed class SafeTensorsValidationTests : IDisposable
{
    private const long AllocationLimit = 1 << 20;

    private readonly TemporaryFolder _folder = new();
    private int _files;

    public SafeTensorsValidationTests()
    {
        // Compile the reader's paths once so the measured calls count only what they allocate.
        var warm = NextPath();
        RawSafeTensors.Write(warm, """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8);
        SafeTensors.Open(warm).Dispose();
        RawSafeTensors.Write(warm, """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,9]}}""", 8);
        Assert.Throws<CheckpointException>(() => SafeTensors.Open(warm));
    }

    public void Dispose() => _folder.Dispose();

    private string NextPath() => _folder.File($"case{_files++}.safetensors");

    /// <summary>Opens <paramref name="path"/>, expecting a refusal that mentions every fragment, within the allocation limit.</summary>
    private static CheckpointException AssertRefused(string path, params string[] fragments)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        CheckpointException? refusal = null;
        try
        {
            SafeTensors.Open(path).Dispose();
        }
        catch (CheckpointException e)
        {
            refusal = e;
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(refusal is not null, $"{path} was opened although it is invalid");
        Assert.True(allocated < AllocationLimit, $"refusing {path} allocated {allocated} bytes");
        Assert.Equal(path, refusal.FilePath);
        Assert.Contains(path, refusal.Message);
        foreach (var fragment in fragments) Assert.Contains(fragment, refusal.Message);
        return refusal;
    }

    private string Raw(string header, long dataBytes, ulong? claimedLength = null)
    {
        var path = NextPath();
        RawSafeTensors.Write(path, header, dataBytes, claimedLength);
        return path;
    }

    [Fact]
    public void A_header_length_of_two_to_the_62_is_refused()
    {
        AssertRefused(Raw("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4, claimedLength: 1UL << 62),
            "header length", "4611686018427387904");
    }

    [Fact]
    public void A_header_length_beyond_the_file_is_refused()
    {
        AssertRefused(Raw("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4, claimedLength: 5000),
            "past the end of the file", "5000");
    }

    [Fact]
    public void A_header_length_above_100_MB_is_refused_even_when_the_file_is_that_long()
    {
        var path = NextPath();
        RawSafeTensors.Write(path, "{}", 0, claimedHeaderLength: 120_000_000);
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(130_000_000); // sparse: costs no disk
        AssertRefused(path, "larger than any real header", "120000000");
    }

    [Fact]
    public void A_file_shorter_than_the_length_field_is_refused()
    {
        var path = NextPath();
        File.WriteAllBytes(path, [1, 2, 3]);
        AssertRefused(path, "too short", "3 bytes");
    }

    [Fact]
    public void A_shape_of_two_to_the_40_squared_is_refused_as_an_overflow()
    {
        AssertRefused(Raw("""{"huge":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,16]}}""", 16),
            "'huge'", "overflows");
    }

    [Fact]
    public void Offsets_past_the_end_of_the_file_are_refused()
    {
        // The shape agrees with the offsets (2^38 floats = 2^40 bytes); only the file is too short.
        AssertRefused(Raw("""{"w":{"dtype":"F32","shape":[274877906944],"data_offsets":[0,1099511627776]}}""", 16),
            "'w'", "past the end", "1099511627776");
    }

    [Fact]
    public void A_truncated_file_is_refused()
    {
        AssertRefused(Raw("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}}""", 20),
            "'b'", "past the end");
    }

    [Fact]
    public void A_shape_that_disagrees_with_its_byte_range_is_refused()
    {
        AssertRefused(Raw("""{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}""", 12),
            "'w'", "16 bytes", "12 bytes");
    }

    [Fact]
    public void Overlapping_byte_ranges_are_refused()
    {
        AssertRefused(Raw("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}""", 24),
            "'b'", "overlaps", "'a'");
    }

    [Fact]
    public void A_hole_between_tensors_is_refused()
    {
        AssertRefused(Raw("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[20,36]}}""", 36),
            "'b'", "hole");
    }

    [Fact]
    public void Bytes_after_the_last_tensor_are_refused()
    {
        AssertRefused(Raw("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 20), "trailing bytes", "16 bytes", "20 bytes");
    }

    [Fact]
    public void Duplicate_tensor_names_are_refused()
    {
        AssertRefused(Raw("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8),
            "'a'", "twice");
    }

    [Fact]
    public void An_unknown_dtype_is_refused_with_the_supported_list()
    {
        AssertRefused(Raw("""{"q":{"dtype":"Q4_K","shape":[2],"data_offsets":[0,2]}}""", 2), "'q'", "'Q4_K'", "F32");
    }

    [Fact]
    public void Invalid_json_is_refused()
    {
        AssertRefused(Raw("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]""", 4), "not valid JSON");
        AssertRefused(Raw("""[1, 2, 3]""", 0), "not a JSON object");
        var path = NextPath();
        RawSafeTensors.WriteBytes(path, [(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'], 0, 8);
        AssertRefused(path, "UTF-8");
    }

    [Fact]
    public void Malformed_entries_are_refused_naming_the_tensor()
    {
        AssertRefused(Raw("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4), "'a'", "dimension 0", "-1");
        AssertRefused(Raw("""{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", 4), "'a'", "dimension 0");
        AssertRefused(Raw("""{"a":{"dtype":"F32","shape":[1]}}""", 4), "'a'", "data_offsets");
        AssertRefused(Raw("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}""", 4), "'a'", "[4, 0]");
        AssertRefused(Raw("""{"a":{"shape":[1],"data_offsets":[0,4]}}""", 4), "'a'", "dtype");
        AssertRefused(Raw("""{"a":[1,2]}""", 0), "'a'", "not an object");
    }

    [Fact]
    public void Metadata_values_must_be_strings()
    {
        AssertRefused(Raw("""{"__metadata__":{"step":12},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4), "'step'", "not a string");
    }

    [Fact]
    public void A_valid_file_written_by_hand_in_any_order_is_accepted()
    {
        // Header order differs from data order, metadata comes last, zero-sized tensors sit between others.
        var path = Raw("""
            {"b":{"dtype":"I64","shape":[2],"data_offsets":[4,20]},
             "nothing":{"dtype":"F64","shape":[0,5],"data_offsets":[4,4]},
             "a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},
             "__metadata__":{"format":"pt"}}
            """, 20);
        using var file = SafeTensors.Open(path);
        Assert.Equal(["a", "nothing", "b"], file.Names);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(new FileInfo(path).Length - 20, file.DataOffset);
        using var a = file.Read("a");
        Assert.Equal(new byte[] { 0, 7, 14, 21 }, a.ToArray<byte>()); // RawSafeTensors fills byte i with 7·i
        using var nothing = file.Read("nothing");
        Assert.Equal(new Shape(0, 5), nothing.Shape);
    }

    [Fact]
    public void Bool_bytes_other_than_0_and_1_are_read_as_true()
    {
        // Byte i of the data is 7·i: 0, 7, 14, 21. libtorch's bools must be 0 or 1.
        var path = Raw("""{"mask":{"dtype":"BOOL","shape":[4],"data_offsets":[0,4]}}""", 4);
        using var file = SafeTensors.Open(path);
        using var mask = file.Read("mask");
        Assert.Equal([false, true, true, true], mask.ToArray<bool>());
        using var asBytes = mask.To(DType.UInt8);
        Assert.Equal(new byte[] { 0, 1, 1, 1 }, asBytes.ToArray<byte>());
    }
}
