namespace Dsl.Checkpoints;

/// <summary>The safetensors names of the element types (the format's <c>dtype</c> strings).</summary>
internal static class SafeTensorsDType
{
    internal const string Supported = "F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL";

    internal static string Name(DType dtype) => dtype switch
    {
        DType.Float64 => "F64",
        DType.Float32 => "F32",
        DType.Float16 => "F16",
        DType.BFloat16 => "BF16",
        DType.Int64 => "I64",
        DType.Int32 => "I32",
        DType.Int16 => "I16",
        DType.Int8 => "I8",
        DType.UInt8 => "U8",
        DType.Bool => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "this dtype has no safetensors name"),
    };

    internal static bool TryParse(string name, out DType dtype)
    {
        switch (name)
        {
            case "F64": dtype = DType.Float64; return true;
            case "F32": dtype = DType.Float32; return true;
            case "F16": dtype = DType.Float16; return true;
            case "BF16": dtype = DType.BFloat16; return true;
            case "I64": dtype = DType.Int64; return true;
            case "I32": dtype = DType.Int32; return true;
            case "I16": dtype = DType.Int16; return true;
            case "I8": dtype = DType.Int8; return true;
            case "U8": dtype = DType.UInt8; return true;
            case "BOOL": dtype = DType.Bool; return true;
            default: dtype = default; return false;
        }
    }
}
