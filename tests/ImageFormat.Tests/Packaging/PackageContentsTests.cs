using System.Xml.Linq;
using FluentAssertions;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Packaging;

/// <summary>
/// Packs the three packages (the library, the MSBuild task, the tool's pointer and framework-dependent packages) as
/// a release does and checks each one file by file and its nuspec field by field.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection("dotnet pack")]
public sealed class PackageContentsTests : IClassFixture<PackageContentsTests.Packed>
{
    private const string ProjectUrl = "https://github.com/imageformat/imageformat";
    private static readonly string[] PackageFiles = ["[Content_Types].xml", "_rels/.rels", "package/services/metadata/core-properties/nuget.psmdcp"];

    private readonly Packed _packed;

    public PackageContentsTests(Packed packed) => _packed = packed;

    [Fact]
    public void Library_package_holds_the_net10_assembly_its_docs_and_its_user_readme()
    {
        string nupkg = _packed.Feed.Package($"ImageFormat.{PackageFeed.Version}.nupkg");
        PackageFeed.Entries(nupkg).Should().Equal(Sorted(PackageFiles, "ImageFormat.nuspec", "README.md", "lib/net10.0/ImageFormat.dll", "lib/net10.0/ImageFormat.xml"));
        PackageFeed.Read(nupkg, "lib/net10.0/ImageFormat.dll").Should().Equal(File.ReadAllBytes(BuildOutput("src/ImageFormat", "ImageFormat.dll")));
        PackageFeed.Read(nupkg, "README.md").Should().Equal(File.ReadAllBytes(Path.Combine(RepoPaths.Root, "src/ImageFormat/README.md")));

        XElement metadata = Metadata(nupkg, "ImageFormat.nuspec");
        CheckCommonMetadata(metadata, "ImageFormat", "docker oci container image tar layer digest");
        metadata.Elements(Nu(metadata, "dependencies")).Elements().Select(g => g.Attribute("targetFramework")!.Value).Should().Equal("net10.0");
        metadata.Element(Nu(metadata, "dependencies"))!.Elements().Single().Elements()
            .Select(d => $"{d.Attribute("id")!.Value} {d.Attribute("version")!.Value} {d.Attribute("exclude")!.Value}")
            .Should().Equal("SharpZipLib 1.4.2 Build,Analyzers", "System.IO.Hashing 10.0.0 Build,Analyzers", "ZstdSharp.Port 0.8.8 Build,Analyzers");
        metadata.Element(Nu(metadata, "packageTypes")).Should().BeNull();

        string snupkg = _packed.Feed.Package($"ImageFormat.{PackageFeed.Version}.snupkg");
        PackageFeed.Entries(snupkg).Should().Equal(Sorted(PackageFiles, "ImageFormat.nuspec", "lib/net10.0/ImageFormat.pdb"));
    }

    [Fact]
    public void Task_package_holds_its_props_targets_and_the_task_with_its_dependencies_in_tasks()
    {
        string nupkg = _packed.Feed.Package($"ImageFormat.Build.{PackageFeed.Version}.nupkg");
        PackageFeed.Entries(nupkg).Should().Equal(Sorted(
            PackageFiles,
            "ImageFormat.Build.nuspec",
            "README.md",
            "build/ImageFormat.Build.props",
            "build/ImageFormat.Build.targets",
            "buildTransitive/ImageFormat.Build.props",
            "buildTransitive/ImageFormat.Build.targets",
            "tasks/net10.0/ICSharpCode.SharpZipLib.dll",
            "tasks/net10.0/ImageFormat.Build.deps.json",
            "tasks/net10.0/ImageFormat.Build.dll",
            "tasks/net10.0/ImageFormat.Build.xml",
            "tasks/net10.0/ImageFormat.dll",
            "tasks/net10.0/System.IO.Hashing.dll",
            "tasks/net10.0/ZstdSharp.dll"));
        foreach (string file in new[] { "build/ImageFormat.Build.props", "build/ImageFormat.Build.targets", "buildTransitive/ImageFormat.Build.props", "buildTransitive/ImageFormat.Build.targets", "README.md" })
        {
            PackageFeed.Read(nupkg, file).Should().Equal(File.ReadAllBytes(Path.Combine(RepoPaths.Root, "src/ImageFormat.Build", file)), file);
        }

        PackageFeed.Read(nupkg, "tasks/net10.0/ImageFormat.Build.dll").Should().Equal(File.ReadAllBytes(BuildOutput("src/ImageFormat.Build", "ImageFormat.Build.dll")));
        PackageFeed.Read(nupkg, "tasks/net10.0/ImageFormat.dll").Should().Equal(File.ReadAllBytes(BuildOutput("src/ImageFormat", "ImageFormat.dll")));

        XElement metadata = Metadata(nupkg, "ImageFormat.Build.nuspec");
        CheckCommonMetadata(metadata, "ImageFormat.Build", "docker oci container image msbuild publish reproducible");
        metadata.Element(Nu(metadata, "developmentDependency"))!.Value.Should().Be("true");
        metadata.Element(Nu(metadata, "dependencies")).Should().BeNull("the task's dependencies ship inside it; the consuming project gets no reference");

        string snupkg = _packed.Feed.Package($"ImageFormat.Build.{PackageFeed.Version}.snupkg");
        PackageFeed.Entries(snupkg).Should().Equal(Sorted(PackageFiles, "ImageFormat.Build.nuspec", "tasks/net10.0/ImageFormat.Build.pdb"));
    }

    [Fact]
    public void Tool_pointer_package_names_one_package_per_runtime_and_the_any_package_holds_the_framework_dependent_tool()
    {
        string pointer = _packed.Feed.Package($"ImageFormat.Cli.{PackageFeed.Version}.nupkg");
        PackageFeed.Entries(pointer).Should().Equal(Sorted(PackageFiles, "ImageFormat.Cli.nuspec", "README.md", "tools/any/any/DotnetToolSettings.xml"));
        PackageFeed.Read(pointer, "README.md").Should().Equal(File.ReadAllBytes(Path.Combine(RepoPaths.Root, "src/ImageFormat.Cli/README.md")));
        XElement settings = XElement.Parse(System.Text.Encoding.UTF8.GetString(PackageFeed.Read(pointer, "tools/any/any/DotnetToolSettings.xml")).TrimStart('\uFEFF'));
        settings.Element("Commands")!.Elements().Select(c => c.ToString(SaveOptions.DisableFormatting)).Should().Equal("<Command Name=\"imagefmt\" />");
        settings.Element("RuntimeIdentifierPackages")!.Elements().Select(p => $"{p.Attribute("RuntimeIdentifier")!.Value} {p.Attribute("Id")!.Value}").Should().Equal(
            "linux-x64 ImageFormat.Cli.linux-x64",
            "linux-arm64 ImageFormat.Cli.linux-arm64",
            "osx-arm64 ImageFormat.Cli.osx-arm64",
            "win-x64 ImageFormat.Cli.win-x64",
            "any ImageFormat.Cli.any");

        XElement metadata = Metadata(pointer, "ImageFormat.Cli.nuspec");
        CheckCommonMetadata(metadata, "ImageFormat.Cli", "docker oci container image cli tool aot");
        metadata.Element(Nu(metadata, "packageTypes"))!.Elements().Select(t => t.Attribute("name")!.Value).Should().Equal("DotnetTool");
        metadata.Element(Nu(metadata, "dependencies")).Should().BeNull();

        string any = _packed.Feed.Package($"ImageFormat.Cli.any.{PackageFeed.Version}.nupkg");
        PackageFeed.Entries(any).Should().Equal(Sorted(
            PackageFiles,
            "ImageFormat.Cli.any.nuspec",
            "README.md",
            "tools/net10.0/any/DotnetToolSettings.xml",
            "tools/net10.0/any/ICSharpCode.SharpZipLib.dll",
            "tools/net10.0/any/ImageFormat.dll",
            "tools/net10.0/any/Spectre.Console.Ansi.dll",
            "tools/net10.0/any/Spectre.Console.dll",
            "tools/net10.0/any/System.CommandLine.dll",
            "tools/net10.0/any/System.IO.Hashing.dll",
            "tools/net10.0/any/ZstdSharp.dll",
            "tools/net10.0/any/imagefmt.deps.json",
            "tools/net10.0/any/imagefmt.dll",
            "tools/net10.0/any/imagefmt.runtimeconfig.json"));
        XElement anySettings = XElement.Parse(System.Text.Encoding.UTF8.GetString(PackageFeed.Read(any, "tools/net10.0/any/DotnetToolSettings.xml")).TrimStart('\uFEFF'));
        anySettings.Element("Commands")!.Elements().Select(c => c.ToString(SaveOptions.DisableFormatting)).Should().Equal("<Command Name=\"imagefmt\" EntryPoint=\"imagefmt.dll\" Runner=\"dotnet\" />");
        XElement anyMetadata = Metadata(any, "ImageFormat.Cli.any.nuspec");
        CheckCommonMetadata(anyMetadata, "ImageFormat.Cli.any", "docker oci container image cli tool aot");
        anyMetadata.Element(Nu(anyMetadata, "packageTypes"))!.Elements().Select(t => t.Attribute("name")!.Value).Should().Equal("DotnetToolRidPackage");
    }

    private static void CheckCommonMetadata(XElement metadata, string id, string tags)
    {
        string Field(string name) => metadata.Element(Nu(metadata, name))?.Value ?? throw new InvalidOperationException($"{id}: no <{name}>");

        Field("id").Should().Be(id);
        Field("version").Should().Be(PackageFeed.Version);
        Field("authors").Should().Be("ImageFormat developers");
        Field("license").Should().Be("MIT");
        metadata.Element(Nu(metadata, "license"))!.Attribute("type")!.Value.Should().Be("expression");
        Field("readme").Should().Be("README.md");
        Field("projectUrl").Should().Be(ProjectUrl);
        Field("tags").Should().Be(tags);
        Field("releaseNotes").Should().StartWith($"{PackageFeed.Version}: first release. ");
        Field("description").Should().NotBeEmpty();
        Field("copyright").Should().Be("Copyright (c) 2026 ImageFormat developers");
        XElement repository = metadata.Element(Nu(metadata, "repository"))!;
        repository.Attribute("type")!.Value.Should().Be("git");
        repository.Attribute("url")!.Value.Should().Be(ProjectUrl);
        if (PackageFeed.Commit is not null)
        {
            // The commit git reports when packing: a full object name (HEAD may have moved since the tests were built).
            repository.Attribute("commit")!.Value.Should().MatchRegex("^[0-9a-f]{40}$");
        }
    }

    private static XElement Metadata(string nupkg, string nuspec)
    {
        XElement package = XElement.Parse(System.Text.Encoding.UTF8.GetString(PackageFeed.Read(nupkg, nuspec)).TrimStart('\uFEFF'));
        return package.Element(package.Name.Namespace + "metadata")!;
    }

    private static XName Nu(XElement metadata, string name) => metadata.Name.Namespace + name;

    private static string BuildOutput(string project, string file) => Path.Combine(RepoPaths.Root, project, "bin", PackageFeed.Configuration, "net10.0", file);

    private static string[] Sorted(string[] common, params string[] files) => [.. common.Concat(files).Order(StringComparer.Ordinal)];

    /// <summary>The feed with the library and the task packed from this build, the tool's pointer and any packages packed with their own build.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public sealed class Packed : IDisposable
    {
        public Packed()
        {
            Feed.Pack("src/ImageFormat/ImageFormat.csproj", "--no-build");
            Feed.Pack("src/ImageFormat.Build/ImageFormat.Build.csproj", "--no-build");
            Feed.PackBuilt("src/ImageFormat.Cli/ImageFormat.Cli.csproj");
            Feed.PackBuilt("src/ImageFormat.Cli/ImageFormat.Cli.csproj", "-r", "any");
        }

        public PackageFeed Feed { get; } = new();

        public void Dispose() => Feed.Dispose();
    }
}
