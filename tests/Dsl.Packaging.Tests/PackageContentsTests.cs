using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Dsl.Packaging.Tests.Infrastructure;
using Xunit;

namespace Dsl.Packaging.Tests;

/// <summary>
/// The packed Dsl.&lt;version&gt;.nupkg opened as the zip it is: the files a user's build picks up,
/// the metadata NuGet reads, and the generator's references, which the compiler must satisfy.
/// </summary>
[Collection(PackedDslCollection.Name)]
public sealed class PackageContentsTests(PackedDsl dsl)
{
    private const string RuntimeAssembly = "lib/net10.0/Dsl.Runtime.dll";
    private const string GeneratorAssembly = "analyzers/dotnet/cs/Dsl.Generators.dll";
    private const string NativeLibrary = "runtimes/linux-x64/native/libdsl_native.so";

    [Fact]
    public void Package_holds_the_runtime_the_generator_and_the_native_library_and_nothing_else()
    {
        using var package = ZipFile.OpenRead(dsl.PackagePath);
        // The zip's own bookkeeping (OPC relationships, content types, core properties) is NuGet's, not ours.
        var files = package.Entries.Select(e => e.FullName)
            .Where(name => !name.StartsWith("_rels/", StringComparison.Ordinal) && !name.StartsWith("package/", StringComparison.Ordinal) && name != "[Content_Types].xml")
            .Order(StringComparer.Ordinal)
            .ToList();
        string[] expected = ["Dsl.nuspec", "PACKAGE.md", GeneratorAssembly, RuntimeAssembly, "lib/net10.0/Dsl.Runtime.xml", NativeLibrary];
        Assert.Equal(expected.Order(StringComparer.Ordinal), files);

        // The very files this build produced, not stale copies from somewhere else.
        AssertSameBytes(package, RuntimeAssembly, Path.Combine(dsl.RepositoryRoot, "runtime", "Dsl.Runtime", "bin", dsl.Configuration, "net10.0", "Dsl.Runtime.dll"));
        AssertSameBytes(package, GeneratorAssembly, Path.Combine(dsl.RepositoryRoot, "generators", "Dsl.Generators", "bin", dsl.Configuration, "netstandard2.0", "Dsl.Generators.dll"));
        AssertSameBytes(package, NativeLibrary, Path.Combine(dsl.RepositoryRoot, "runtime", "native", "build", "libdsl_native.so"));
    }

    [Fact]
    public void Nuspec_names_the_package_and_depends_on_exactly_the_runtimes_package_references()
    {
        using var package = ZipFile.OpenRead(dsl.PackagePath);
        using var nuspecStream = package.GetEntry("Dsl.nuspec")!.Open();
        var metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

        Assert.Equal("Dsl", Field("id"));
        Assert.Equal(dsl.Version, Field("version"));
        Assert.Equal("Dsl contributors", Field("authors"));
        Assert.Equal("MIT", Field("license"));
        Assert.Equal("PACKAGE.md", Field("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Field("description")), "the package has no description");
        Assert.Null(Field("repository"));

        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => $"{e.Attribute("id")!.Value} {e.Attribute("version")!.Value}")
            .Order(StringComparer.Ordinal)
            .ToList();
        // What the runtime's project file asks for, read from the project file itself.
        // MSBuild allows metadata as an attribute or as a child element.
        static string? Metadata(XElement item, string name) => (string?)item.Attribute(name) ?? (string?)item.Element(name);
        var declared = XDocument.Load(dsl.RuntimeProject).Descendants("PackageReference")
            .Where(e => !string.Equals(Metadata(e, "PrivateAssets"), "all", StringComparison.OrdinalIgnoreCase))
            .Select(e => $"{Metadata(e, "Include")} {Metadata(e, "Version")}")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(declared);
        Assert.Equal(declared, dependencies);
        Assert.DoesNotContain(dependencies, d => d.StartsWith("Dsl.Generators", StringComparison.Ordinal) || d.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));

        var groups = metadata.Descendants().Where(e => e.Name.LocalName == "group").Select(e => e.Attribute("targetFramework")?.Value).ToList();
        Assert.Equal(["net10.0"], groups);
    }

    [Fact]
    public void Generator_references_only_assemblies_the_compiler_loads_it_beside()
    {
        using var package = ZipFile.OpenRead(dsl.PackagePath);
        using var generator = new MemoryStream();
        using (var entry = package.GetEntry(GeneratorAssembly)!.Open()) entry.CopyTo(generator);
        generator.Position = 0;
        using var pe = new PEReader(generator);
        var reader = pe.GetMetadataReader();
        var references = reader.AssemblyReferences.Select(h => reader.GetAssemblyReference(h))
            .Select(r => (Name: reader.GetString(r.Name), r.Version)).ToList();

        // A generator runs inside the compiler: Roslyn's own assemblies come from the SDK's
        // Roslyn/bincore folder, everything else from the shared framework the compiler runs on.
        // Anything else would have to ship in analyzers/ and is a load failure (CS8034) waiting to happen.
        var compilerFolder = CompilerFolder();
        var available = new Dictionary<string, Version>(StringComparer.OrdinalIgnoreCase);
        foreach (var folder in new[] { RuntimeEnvironment.GetRuntimeDirectory(), compilerFolder })
        {
            foreach (var file in Directory.GetFiles(folder, "*.dll"))
            {
                try
                {
                    available[Path.GetFileNameWithoutExtension(file)] = System.Reflection.AssemblyName.GetAssemblyName(file).Version!;
                }
                catch (BadImageFormatException)
                {
                    // Native libraries of the shared framework: not assemblies.
                }
            }
        }

        Assert.Contains(references, r => r.Name == "Microsoft.CodeAnalysis");
        foreach (var (name, version) in references)
        {
            if (name == "netstandard") continue;
            Assert.True(available.TryGetValue(name, out var provided),
                $"Dsl.Generators references {name} {version}, which neither the compiler ({compilerFolder}) nor the shared framework provides; it would fail to load in a user's build.");
            // A generator built against a newer Roslyn than the compiler's does not load (CS9057).
            Assert.True(version <= provided, $"Dsl.Generators references {name} {version}, newer than the {provided} the compiler loads.");
        }
    }

    private string CompilerFolder()
    {
        // The SDK a user's new project gets: the newest installed, since no global.json applies there.
        var version = Dotnet.Run(["--version"], dsl.WorkFolder, TimeSpan.FromMinutes(1));
        var sdks = Dotnet.Run(["--list-sdks"], dsl.WorkFolder, TimeSpan.FromMinutes(1));
        Assert.True(version.ExitCode == 0 && sdks.ExitCode == 0, version.Describe() + "\n" + sdks.Describe());
        var sdkVersion = version.Output.Trim();
        var listed = Regex.Match(sdks.Output, $@"^{Regex.Escape(sdkVersion)} \[(?<root>[^\]]+)\]", RegexOptions.Multiline);
        Assert.True(listed.Success, $"SDK {sdkVersion} is not in: {sdks.Output}");
        var folder = Path.Combine(listed.Groups["root"].Value, sdkVersion, "Roslyn", "bincore");
        Assert.True(File.Exists(Path.Combine(folder, "Microsoft.CodeAnalysis.dll")), $"no compiler in {folder}");
        return folder;
    }

    private static void AssertSameBytes(ZipArchive package, string entryName, string builtFile)
    {
        Assert.True(File.Exists(builtFile), $"{builtFile} does not exist: was the runtime built in this configuration?");
        using var entry = package.GetEntry(entryName)!.Open();
        using var packed = new MemoryStream();
        entry.CopyTo(packed);
        Assert.True(packed.ToArray().AsSpan().SequenceEqual(File.ReadAllBytes(builtFile)), $"{entryName} in the package differs from {builtFile}");
    }
}
