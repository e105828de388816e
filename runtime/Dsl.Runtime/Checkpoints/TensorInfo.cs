namespace Dsl;

/// <summary>
/// One tensor's entry in a safetensors header: its element type, shape and where its bytes are.
/// <see cref="DataBegin"/> and <see cref="DataEnd"/> are the header's <c>data_offsets</c>, counted
/// from the first byte after the header (add <see cref="SafeTensorsFile.DataOffset"/> for a file position).
/// </summary>
public readonly record struct TensorInfo(string Name, DType DType, Shape Shape, long DataBegin, long DataEnd)
{
    /// <summary>The number of bytes the tensor's data takes.</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>The shape and dtype as error messages print them, like <c>[784, 256] Float32</c>.</summary>
    public string Describe() => $"{Shape} {DType}";
}
