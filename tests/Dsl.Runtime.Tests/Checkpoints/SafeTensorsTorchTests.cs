using System.Text.Json;
using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests.Checkpoints;

/// <summary>
/// Files cross the boundary to PyTorch both ways. The safetensors Python package is not installed,
/// so the scripts read and write the format themselves with json, struct and torch.frombuffer:
/// an independent implementation of the same description.
/// </summary>
public sealed class SafeTensorsTorchTests
{
    private const string PythonDTypes =
        "{'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16, 'I64': torch.int64, " +
        "'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8, 'U8': torch.uint8, 'BOOL': torch.bool}";

    private static readonly Dictionary<DType, string> s_formatNames = new()
    {
        [DType.Float64] = "F64", [DType.Float32] = "F32", [DType.Float16] = "F16", [DType.BFloat16] = "BF16", [DType.Int64] = "I64",
        [DType.Int32] = "I32", [DType.Int16] = "I16", [DType.Int8] = "I8", [DType.UInt8] = "U8", [DType.Bool] = "BOOL",
    };

    private static double[] Values(Tensor t)
    {
        using var asDouble = t.To(DType.Float64);
        return asDouble.ToArray<double>();
    }

    [Fact]
    public void PyTorch_reads_what_we_write()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("from-csharp.safetensors");
        var tensors = SafeTensorsRoundTripTests.EveryDType();
        try
        {
            var metadata = new Dictionary<string, string> { ["step"] = "1200", ["optimizer"] = "Adam", ["note"] = "ünïcødé" };
            SafeTensors.Save(path, tensors, metadata);

            var names = tensors.Select(t => t.Name).ToArray();
            var expected = tensors.ToDictionary(t => t.Name, t => new { dtype = s_formatNames[t.Value.DType], shape = t.Value.Shape.ToArray() });
            var script = $$"""
                import struct
                with open({{JsonSerializer.Serialize(path)}}, 'rb') as f:
                    blob = f.read()
                n = struct.unpack('<Q', blob[:8])[0]
                header = json.loads(blob[8:8 + n].decode('utf-8'))
                meta = header.pop('__metadata__', {})
                # Our checksums ride along in the metadata, one per tensor and one for the header.
                assert sorted(k for k in meta if k.startswith('dsl.crc32c:')) == sorted('dsl.crc32c:' + k for k in header), sorted(meta)
                assert 'dsl.header_crc32c' in meta, sorted(meta)
                meta = {k: v for k, v in meta.items() if not k.startswith('dsl.crc32c:') and k != 'dsl.header_crc32c'}
                assert meta == json.loads({{JsonSerializer.Serialize(JsonSerializer.Serialize(metadata))}}), meta
                expected = json.loads({{JsonSerializer.Serialize(JsonSerializer.Serialize(expected))}})
                assert sorted(header) == sorted(expected), sorted(header)
                dtypes = {{PythonDTypes}}
                data = blob[8 + n:]
                def load(name):
                    entry = header[name]
                    assert entry['dtype'] == expected[name]['dtype'], (name, entry['dtype'])
                    assert entry['shape'] == expected[name]['shape'], (name, entry['shape'])
                    begin, end = entry['data_offsets']
                    dtype = dtypes[entry['dtype']]
                    if begin == end:
                        return torch.empty(entry['shape'], dtype=dtype)
                    return torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(entry['shape'])
                # json cannot carry NaN or infinities back: map them to marked finite numbers.
                result = [torch.nan_to_num(load(name).to(torch.float64), nan=12345.0, posinf=1e300, neginf=-1e300) for name in {{JsonSerializer.Serialize(names)}}]
                """;
            var fromTorch = TorchReference.Evaluate(script, new Dictionary<string, Tensor>());

            var position = 0;
            foreach (var (name, tensor) in tensors)
            {
                var count = (int)tensor.NumElements;
                var ours = Values(tensor).Select(v => double.IsNaN(v) ? 12345.0 : double.IsPositiveInfinity(v) ? 1e300 : double.IsNegativeInfinity(v) ? -1e300 : v).ToArray();
                TensorAssert.Close(fromTorch.Values.AsSpan(position, count), ours, rtol: 0, atol: 0, what: name);
                position += count;
            }
            Assert.Equal(fromTorch.Values.Length, position);
        }
        finally
        {
            foreach (var (_, t) in tensors) t.Dispose();
        }
    }

    [Fact]
    public void We_read_what_PyTorch_writes()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("from-torch.safetensors");
        // The script's layout differs from ours on purpose: no padding, data in the reverse order
        // of the header's keys, metadata last, a transposed source tensor.
        var script = $$"""
            import struct
            g = torch.Generator().manual_seed(7)
            tensors = {
                'embed.weight': torch.randn(5, 3, generator=g, dtype=torch.float64),
                'w': torch.randn(4, 6, generator=g).t(),
                'half': torch.randn(7, generator=g).to(torch.float16),
                'bf': torch.randn(3, 2, generator=g).to(torch.bfloat16),
                'ids': torch.randint(-1000, 1000, (2, 5), generator=g),
                'i32': torch.randint(-100000, 100000, (3,), generator=g, dtype=torch.int32),
                'u8': torch.randint(0, 256, (9,), generator=g, dtype=torch.uint8),
                'mask': torch.rand(6, generator=g) > 0.5,
                'scalar': torch.tensor(3.25),
                'empty': torch.zeros(0, 4),
            }
            names = {'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16, 'I64': torch.int64, 'I32': torch.int32, 'U8': torch.uint8, 'BOOL': torch.bool}
            format_name = {v: k for k, v in names.items()}
            chunks = {name: t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes() for name, t in tensors.items()}
            header, offset = {}, 0
            for name in reversed(list(tensors)):
                header[name] = {'dtype': format_name[tensors[name].dtype], 'shape': list(tensors[name].shape), 'data_offsets': [offset, offset + len(chunks[name])]}
                offset += len(chunks[name])
            ordered = {name: header[name] for name in tensors}
            ordered['__metadata__'] = {'format': 'pt', 'step': '77'}
            encoded = json.dumps(ordered).encode('utf-8')
            with open({{JsonSerializer.Serialize(path)}}, 'wb') as f:
                f.write(struct.pack('<Q', len(encoded)))
                f.write(encoded)
                for name in reversed(list(tensors)):
                    f.write(chunks[name])
            result = list(tensors.values())
            """;
        var fromTorch = TorchReference.Evaluate(script, new Dictionary<string, Tensor>());

        (string Name, DType DType, long[] Shape)[] expected =
        [
            ("embed.weight", DType.Float64, [5, 3]), ("w", DType.Float32, [6, 4]), ("half", DType.Float16, [7]), ("bf", DType.BFloat16, [3, 2]),
            ("ids", DType.Int64, [2, 5]), ("i32", DType.Int32, [3]), ("u8", DType.UInt8, [9]), ("mask", DType.Bool, [6]),
            ("scalar", DType.Float32, []), ("empty", DType.Float32, [0, 4]),
        ];
        using var file = SafeTensors.Open(path);
        Assert.Equal(expected.Select(e => e.Name).Reverse(), file.Names); // data order
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("77", file.Metadata["step"]);
        var position = 0;
        foreach (var (name, dtype, shape) in expected)
        {
            var info = file.Info(name);
            Assert.Equal(dtype, info.DType);
            Assert.Equal(new Shape(shape), info.Shape);
            using var tensor = file.Read(name);
            var count = (int)tensor.NumElements;
            TensorAssert.Close(fromTorch.Values.AsSpan(position, count), Values(tensor), rtol: 0, atol: 0, what: name);
            position += count;
        }
        Assert.Equal(fromTorch.Values.Length, position);

        // LoadInto reads the same file into existing buffers.
        using var w = Tensor.Zeros([6, 4]);
        using var ids = Tensor.Zeros([2, 5], DType.Int64);
        var metadata = SafeTensors.LoadInto(path, [("w", w), ("ids", ids)]);
        Assert.Equal("77", metadata["step"]);
        using (var w2 = file.Read("w")) Assert.Equal(w2.ToArray<float>(), w.ToArray<float>());
        using (var ids2 = file.Read("ids")) Assert.Equal(ids2.ToArray<long>(), ids.ToArray<long>());
    }
}
