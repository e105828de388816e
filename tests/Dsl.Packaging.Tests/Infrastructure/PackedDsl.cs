using System.Globalization;
using System.Reflection;
using System.Xml.Linq;
using Xunit;

namespace Dsl.Packaging.Tests.Infrastructure;

/// <summary>
/// The Dsl package, packed once for all packaging tests into a fresh temporary folder with a
/// version no earlier run used (<c>0.1.0-test&lt;ticks&gt;</c>), so no NuGet cache can hand a test
/// a stale copy. It packs what the current build produced (<c>--no-build</c>): the tests must not
/// rebuild the repository's own outputs under another version while other test projects use them.
/// </summary>
public sealed class PackedDsl : IDisposable
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(2);

    public PackedDsl()
    {
        RepositoryRoot = FindRepositoryRoot();
        Configuration = typeof(PackedDsl).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        Version = string.Create(CultureInfo.InvariantCulture, $"{ReadDslVersion(RepositoryRoot)}-test{DateTime.UtcNow.Ticks}");
        WorkFolder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"dsl-packaging-{Guid.NewGuid():N}")).FullName;
        PackageFolder = Directory.CreateDirectory(Path.Combine(WorkFolder, "packages")).FullName;

        Pack = Dotnet.Run(
            ["pack", RuntimeProject, "-c", Configuration, "--no-build", "--no-restore", "-nologo",
             "-o", PackageFolder, $"-p:PackageVersion={Version}",
             // The nuspec goes with the package, not into the repository's obj folder.
             $"-p:NuspecOutputPath={Path.Combine(WorkFolder, "nuspec")}"],
            RepositoryRoot, PackTimeout);
        PackagePath = Path.Combine(PackageFolder, $"Dsl.{Version}.nupkg");
        if (Pack.ExitCode != 0 || !File.Exists(PackagePath))
        {
            throw new InvalidOperationException($"dotnet pack did not produce {PackagePath}. {Pack.Describe()}");
        }
    }

    /// <summary>The folder holding DSL.sln.</summary>
    public string RepositoryRoot { get; }

    /// <summary>The configuration these tests were built in, and so the runtime's build output that is packed.</summary>
    public string Configuration { get; }

    /// <summary>The unique prerelease version the package was packed with.</summary>
    public string Version { get; }

    /// <summary>A temporary folder outside the repository, deleted when the tests end.</summary>
    public string WorkFolder { get; }

    /// <summary>The local package source: a folder holding only Dsl.&lt;version&gt;.nupkg.</summary>
    public string PackageFolder { get; }

    /// <summary>The packed file.</summary>
    public string PackagePath { get; }

    /// <summary>The pack command and what it printed.</summary>
    internal ProcessResult Pack { get; }

    public string RuntimeProject => Path.Combine(RepositoryRoot, "runtime", "Dsl.Runtime", "Dsl.Runtime.csproj");

    public void Dispose()
    {
        try
        {
            Directory.Delete(WorkFolder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless; failing the run over it is not.
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "DSL.sln"))) return folder.FullName;
        }
        throw new InvalidOperationException($"No DSL.sln above {AppContext.BaseDirectory}: the packaging tests run from the repository's build output.");
    }

    private static string ReadDslVersion(string repositoryRoot)
    {
        var props = Path.Combine(repositoryRoot, "Directory.Build.props");
        var version = XDocument.Load(props).Descendants("DslVersion").Select(e => e.Value.Trim()).FirstOrDefault();
        return string.IsNullOrEmpty(version)
            ? throw new InvalidOperationException($"{props} defines no <DslVersion>, the one version of the Dsl package.")
            : version;
    }
}

/// <summary>Every packaging test shares one packed Dsl (packing is the slow, common step).</summary>
[CollectionDefinition(Name)]
public sealed class PackedDslCollection : ICollectionFixture<PackedDsl>
{
    public const string Name = "Packed Dsl";
}
