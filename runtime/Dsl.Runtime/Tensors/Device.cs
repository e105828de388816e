namespace Dsl;

/// <summary>Device kinds. The values are c10's device-type codes.</summary>
public enum DeviceType
{
    Cpu = 0,
    Cuda = 1,
}

/// <summary>Where a tensor's memory lives: the CPU, or one CUDA device by index.</summary>
public readonly record struct Device(DeviceType Type, int Index = -1)
{
    public static Device Cpu { get; } = new(DeviceType.Cpu);

    public static Device Cuda(int index = 0) => new(DeviceType.Cuda, index);

    public override string ToString() => Type switch
    {
        DeviceType.Cpu => "cpu",
        DeviceType.Cuda => Index >= 0 ? $"cuda:{Index}" : "cuda",
        _ => $"{Type}:{Index}",
    };
}
