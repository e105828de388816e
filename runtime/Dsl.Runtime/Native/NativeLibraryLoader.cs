using System.Reflection;
using System.Runtime.InteropServices;

namespace Dsl.Native;

/// <summary>
/// Finds and loads libdsl_native.so for every P/Invoke of this assembly. The search order is:
/// the file named by <c>DSL_NATIVE_LIBRARY</c>; the application's folder and
/// <c>runtimes/linux-x64/native</c> below it; this assembly's folder; then the system's own search.
/// When nothing loads, one <see cref="DllNotFoundException"/> says what is missing and how to get it.
/// </summary>
internal static class NativeLibraryLoader
{
    internal const string LibraryName = "dsl_native";
    internal const string FileName = "libdsl_native.so";
    internal const string PathVariable = "DSL_NATIVE_LIBRARY";

    private static int s_registered;

    /// <summary>Installs the resolver; runs before the first P/Invoke (see <see cref="NativeMethods"/>).</summary>
    internal static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 1) return;
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != LibraryName) return IntPtr.Zero;

        var overridePath = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            // An explicit choice is never silently replaced by another copy.
            var file = Directory.Exists(overridePath) ? Path.Combine(overridePath, FileName) : overridePath;
            if (!File.Exists(file))
            {
                throw new DllNotFoundException($"{PathVariable} is set to '{overridePath}', but {file} does not exist. Unset it to use the copy next to the application, or build the library with: dotnet build runtime/Dsl.Runtime");
            }
            if (NativeLibrary.TryLoad(file, out var chosen)) return Loaded(chosen);
            throw new DllNotFoundException($"{PathVariable} names {file}, which could not be loaded: {LastLoadError(file)}");
        }

        var failures = new List<string>();
        foreach (var candidate in Candidates())
        {
            if (!File.Exists(candidate)) continue;
            if (NativeLibrary.TryLoad(candidate, out var handle)) return Loaded(handle);
            failures.Add($"{candidate}: {LastLoadError(candidate)}");
        }
        if (NativeLibrary.TryLoad(FileName, assembly, searchPath, out var systemHandle)) return Loaded(systemHandle);

        throw new DllNotFoundException(Explain(failures));
    }

    // The first use of the runtime: thread pools get their defaults before any tensor exists.
    private static IntPtr Loaded(IntPtr handle)
    {
        Threading.ApplyDefaults(handle);
        return handle;
    }

    internal static IEnumerable<string> Candidates()
    {
        var rid = RuntimeInformation.RuntimeIdentifier.StartsWith("linux-", StringComparison.Ordinal)
            ? RuntimeInformation.RuntimeIdentifier : "linux-x64";
        foreach (var folder in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(NativeLibraryLoader).Assembly.Location) })
        {
            if (string.IsNullOrEmpty(folder)) continue;
            yield return Path.Combine(folder, FileName);
            yield return Path.Combine(folder, "runtimes", rid, "native", FileName);
            yield return Path.Combine(folder, "runtimes", "linux-x64", "native", FileName);
        }
    }

    // The loader's own reason (a missing dependency such as libtorch_cpu.so shows up here).
    private static string LastLoadError(string path)
    {
        try
        {
            NativeLibrary.Load(path);
            return "loaded on retry";
        }
        catch (Exception e)
        {
            return e.Message;
        }
    }

    private static string Explain(List<string> failures)
    {
        const string install = "apt-get update && apt-get install -y libtorch-dev libopenblas0-pthread";
        const string build = "dotnet build runtime/Dsl.Runtime (it runs CMake on runtime/native)";
        var libtorchPresent = NativeLibrary.TryLoad("libtorch_cpu.so", out var torch);
        if (libtorchPresent) NativeLibrary.Free(torch);

        var text = new System.Text.StringBuilder();
        if (!libtorchPresent)
        {
            text.Append("Dsl needs libtorch, which is not installed (libtorch_cpu.so could not be loaded). ");
            text.Append($"Install it with: {install}");
        }
        else if (failures.Count == 0)
        {
            text.Append($"Dsl's native library {FileName} was not found. Build it with: {build}, ");
            text.Append($"or point {PathVariable} at the file.");
        }
        else
        {
            text.Append($"Dsl's native library {FileName} was found but could not be loaded. ");
            text.Append($"Rebuild it with: {build}; if libtorch is missing, install it with: {install}.");
        }
        text.Append(" Searched: ").Append(string.Join(", ", Candidates()));
        if (failures.Count > 0) text.Append(". Errors: ").Append(string.Join("; ", failures));
        return text.ToString();
    }
}
