using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Dsl;

/// <summary>
/// NumPy's <c>.npy</c> format (format versions 1.0, 2.0 and 3.0): a magic string, a Python-literal
/// header with the dtype, memory order and shape, then the raw elements. Reads
/// <c>&lt;f4 &lt;f8 &lt;f2 &lt;i8 &lt;i4 &lt;i2 |i1 |u1 |b1</c> (and their big-endian forms,
/// converted), in C or Fortran order (Fortran-ordered arrays are transposed into a C-ordered
/// tensor with the same shape and values); writes format 1.0 (2.0 when the header needs it), C order.
/// </summary>
/// <example>
/// <code>
/// using var x = Npy.Load("features.npy");   // np.save("features.npy", a) in Python
/// Npy.Save("weights.npy", w);               // np.load("weights.npy") in Python
/// </code>
/// </example>
public static class Npy
{
    /// <summary>The byte 0x93, then "NUMPY" (a u8 literal would encode U+0093 as two bytes).</summary>
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads the array in <paramref name="path"/> into a new CPU tensor.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid .npy file (the message names it and what is wrong).</exception>
    public static Tensor Load(string path)
    {
        using var stream = OpenRead(path);
        return Read(stream, path, stream.Length);
    }

    /// <summary>Writes <paramref name="tensor"/> (any device, any layout) to <paramref name="path"/>, replacing the file only once it is complete.</summary>
    public static void Save(string path, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var temporary = path + ".tmp";
        try
        {
            using (var stream = File.Create(temporary)) Write(stream, tensor);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    internal static FileStream OpenRead(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.", path);
        if (RegularFile.NotRegular(path) is { } kind) throw new InvalidDataException($"{path}: it is {kind}, not a regular file.");
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
    }

    /// <summary>Reads one array; <paramref name="length"/> is the stream's total length when known, for the data-length check.</summary>
    internal static Tensor Read(Stream stream, string source, long? length)
    {
        var header = ReadHeader(stream, source);
        var format = header.Format;
        var elementBytes = format.DType.ElementSize();
        var expected = LoaderLimits.DataBytes(header.Shape.Dims, elementBytes, source, $"shape {header.Shape} of '{format.Descr}'");
        if (length is { } total)
        {
            var found = total - header.Bytes;
            if (found != expected)
            {
                throw new InvalidDataException(
                    $"{source}: the data does not match the header: shape {header.Shape} of '{format.Descr}' needs {expected} bytes but {found} follow the header" +
                    (found < expected ? " (the file is truncated)." : "."));
            }
        }

        // A Fortran-ordered array is the C-ordered array of the reversed shape, transposed.
        var storedShape = header.FortranOrder ? Shape.Create(header.Shape.Dims.ToArray().Reverse().ToArray()) : header.Shape;
        var tensor = Tensor.Empty(storedShape, format.DType);
        try
        {
            TensorStreams.ReadInto(stream, tensor, source, $"shape {header.Shape} of '{format.Descr}'");
            if (length is null && TensorStreams.CountRemaining(stream) is var extra and > 0)
            {
                throw new InvalidDataException(
                    $"{source}: the data does not match the header: shape {header.Shape} of '{format.Descr}' needs {expected} bytes but {expected + extra} follow the header.");
            }
            if (format.BigEndian && elementBytes > 1) TensorStreams.SwapByteOrder(tensor);
            if (format.DType == DType.Bool && TensorStreams.FindInvalidBool(tensor) is var (position, value))
            {
                throw new InvalidDataException($"{source}: element {position} of a '|b1' (bool) array is the byte {value}, not 0 or 1.");
            }
            if (!header.FortranOrder || header.Shape.Rank < 2) return tensor;
            var reversed = new long[header.Shape.Rank];
            for (var d = 0; d < reversed.Length; d++) reversed[d] = reversed.Length - 1 - d;
            using var transposed = tensor.Permute(reversed);
            var contiguous = transposed.Contiguous();
            tensor.Dispose();
            return contiguous;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    internal static void Write(Stream stream, Tensor tensor)
    {
        var descr = DescrOf(tensor.DType);
        using var onCpu = tensor.Device.Type == DeviceType.Cpu ? tensor.Alias() : tensor.To(Device.Cpu);
        using var contiguous = onCpu.Contiguous();
        var shape = contiguous.Shape;
        var shapeText = shape.Rank switch
        {
            0 => "()",
            1 => $"({shape[0]},)",
            _ => "(" + string.Join(", ", shape.ToArray()) + ")",
        };
        var dictionary = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        // The preamble (magic, version, length, header) is padded with spaces to a multiple of 64
        // bytes and ends in a newline, as NumPy writes it, so the data starts aligned.
        var version1 = dictionary.Length + 1 + 10 <= ushort.MaxValue;
        var fixedBytes = version1 ? 10 : 12;
        var padded = (fixedBytes + dictionary.Length + 1 + 63) / 64 * 64;
        var headerText = dictionary.PadRight(padded - fixedBytes - 1) + "\n";
        Span<byte> preamble = stackalloc byte[12];
        Magic.CopyTo(preamble);
        preamble[6] = version1 ? (byte)1 : (byte)2;
        preamble[7] = 0;
        if (version1) BinaryPrimitives.WriteUInt16LittleEndian(preamble[8..], (ushort)headerText.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(preamble[8..], (uint)headerText.Length);
        stream.Write(preamble[..fixedBytes]);
        stream.Write(Encoding.Latin1.GetBytes(headerText));
        TensorStreams.Write(stream, contiguous);
    }

    private static string DescrOf(DType dtype) => dtype switch
    {
        DType.Float32 => "<f4",
        DType.Float64 => "<f8",
        DType.Float16 => "<f2",
        DType.Int64 => "<i8",
        DType.Int32 => "<i4",
        DType.Int16 => "<i2",
        DType.Int8 => "|i1",
        DType.UInt8 => "|u1",
        DType.Bool => "|b1",
        _ => throw new NotSupportedException($"NumPy has no dtype for {dtype}; convert the tensor (To(DType.Float32)) before saving it as .npy."),
    };

    // ---- header --------------------------------------------------------------------------------

    internal sealed record ElementFormat(string Descr, DType DType, bool BigEndian);

    internal sealed record Header(ElementFormat Format, bool FortranOrder, Shape Shape, long Bytes);

    internal static Header ReadHeader(Stream stream, string source)
    {
        Span<byte> preamble = stackalloc byte[12];
        var read = stream.ReadAtLeast(preamble[..8], 8, throwOnEndOfStream: false);
        if (read < 8 || !preamble[..6].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{source}: not a .npy file: it does not start with NumPy's magic string \\x93NUMPY.");
        }
        var major = preamble[6];
        var minor = preamble[7];
        if (major is not (1 or 2 or 3) || minor != 0)
        {
            throw new InvalidDataException($"{source}: .npy format version {major}.{minor} is not supported (1.0, 2.0 and 3.0 are).");
        }
        var lengthBytes = major == 1 ? 2 : 4;
        if (stream.ReadAtLeast(preamble.Slice(8, lengthBytes), lengthBytes, throwOnEndOfStream: false) < lengthBytes)
        {
            throw new InvalidDataException($"{source}: the file is truncated inside the .npy preamble.");
        }
        var headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(preamble[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(preamble[8..]);
        if (headerLength > 1 << 24) throw new InvalidDataException($"{source}: the .npy header claims {headerLength} bytes, which is not plausible.");
        var headerBytes = new byte[headerLength];
        var found = stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false);
        if (found < headerBytes.Length)
        {
            throw new InvalidDataException($"{source}: the file is truncated inside the .npy header: expected {headerLength} header bytes, found {found}.");
        }
        // Versions 1.0 and 2.0 store the header in Latin-1, 3.0 in UTF-8.
        var text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        var (descr, fortranOrder, shape) = HeaderParser.Parse(text, source);
        return new Header(ParseDescr(descr, source), fortranOrder, shape, 8 + lengthBytes + headerLength);
    }

    private static ElementFormat ParseDescr(string descr, string source)
    {
        if (descr.Length >= 2 && descr[0] is '<' or '>' or '|' or '=')
        {
            var bigEndian = descr[0] == '>';
            DType? dtype = descr[1..] switch
            {
                "f4" => DType.Float32,
                "f8" => DType.Float64,
                "f2" => DType.Float16,
                "i8" => DType.Int64,
                "i4" => DType.Int32,
                "i2" => DType.Int16,
                "i1" => DType.Int8,
                "u1" => DType.UInt8,
                "b1" => DType.Bool,
                _ => null,
            };
            if (dtype is { } known) return new ElementFormat(descr, known, bigEndian && known.ElementSize() > 1);
        }
        throw new InvalidDataException(
            $"{source}: the .npy dtype '{descr}' is not supported; supported are <f4 <f8 <f2 <i8 <i4 <i2 |i1 |u1 |b1 (and big-endian '>' forms).");
    }

    /// <summary>Parses the header's Python dict literal: <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 4), }</c>.</summary>
    private ref struct HeaderParser
    {
        private readonly string _text;
        private readonly string _source;
        private int _position;

        private HeaderParser(string text, string source)
        {
            _text = text;
            _source = source;
            _position = 0;
        }

        public static (string Descr, bool FortranOrder, Shape Shape) Parse(string text, string source)
        {
            var parser = new HeaderParser(text, source);
            string? descr = null;
            bool? fortranOrder = null;
            Shape? shape = null;
            parser.Expect('{');
            while (!parser.TryTake('}'))
            {
                var key = parser.ReadString();
                parser.Expect(':');
                switch (key)
                {
                    case "descr":
                        if (parser.Peek() != '\'' && parser.Peek() != '"') throw parser.Error("'descr' is not a simple dtype string (structured dtypes are not supported)");
                        descr = parser.ReadString();
                        break;
                    case "fortran_order": fortranOrder = parser.ReadBool(); break;
                    case "shape": shape = parser.ReadShape(); break;
                    default: throw parser.Error($"unexpected key '{key}'");
                }
                if (!parser.TryTake(',')) { parser.Expect('}'); break; }
            }
            parser.SkipSpace();
            if (parser._position != text.Length) throw parser.Error("text after the closing brace");
            if (descr is null || fortranOrder is null || shape is null)
            {
                throw parser.Error("the header must have the keys 'descr', 'fortran_order' and 'shape'");
            }
            return (descr, fortranOrder.Value, shape.Value);
        }

        private Exception Error(string what) =>
            new InvalidDataException($"{_source}: corrupt .npy header ({what}): {_text.TrimEnd()}");

        private void SkipSpace()
        {
            while (_position < _text.Length && char.IsWhiteSpace(_text[_position])) _position++;
        }

        private char Peek()
        {
            SkipSpace();
            return _position < _text.Length ? _text[_position] : '\0';
        }

        private bool TryTake(char c)
        {
            if (Peek() != c) return false;
            _position++;
            return true;
        }

        private void Expect(char c)
        {
            if (!TryTake(c)) throw Error(_position < _text.Length ? $"expected '{c}' at offset {_position}" : $"expected '{c}' but the header ended");
        }

        private string ReadString()
        {
            var quote = Peek();
            if (quote is not ('\'' or '"')) throw Error($"expected a quoted string at offset {_position}");
            var end = _text.IndexOf(quote, _position + 1);
            if (end < 0) throw Error("a string is not closed");
            var value = _text[(_position + 1)..end];
            _position = end + 1;
            return value;
        }

        private bool ReadBool()
        {
            SkipSpace();
            foreach (var (word, value) in new[] { ("True", true), ("False", false) })
            {
                if (string.CompareOrdinal(_text, _position, word, 0, word.Length) == 0)
                {
                    _position += word.Length;
                    return value;
                }
            }
            throw Error($"expected True or False at offset {_position}");
        }

        private Shape ReadShape()
        {
            Expect('(');
            var dims = new List<long>();
            while (!TryTake(')'))
            {
                SkipSpace();
                var start = _position;
                while (_position < _text.Length && char.IsAsciiDigit(_text[_position])) _position++;
                if (!long.TryParse(_text.AsSpan(start, _position - start), NumberStyles.None, CultureInfo.InvariantCulture, out var dim))
                {
                    throw Error($"expected a size in the shape at offset {start}");
                }
                if (_position < _text.Length && _text[_position] == 'L') _position++; // Python 2 wrote long literals as 3L
                dims.Add(dim);
                if (!TryTake(',')) { Expect(')'); break; }
            }
            try
            {
                _ = checked(dims.Aggregate(1L, (product, d) => product * d));
            }
            catch (OverflowException)
            {
                throw Error("the shape's element count overflows");
            }
            return Shape.Create(dims.ToArray());
        }
    }
}
