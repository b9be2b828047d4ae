using FluentAssertions;
using ImageFormat.Digests;
using Xunit;

namespace ImageFormat.Tests.Architecture;

public class LayeringTests
{
    private static string[] LibraryReferences() =>
        typeof(Digest).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

    [Fact]
    public void Library_never_depends_on_the_cli_or_its_packages()
    {
        LibraryReferences().Should().NotContain(["imagefmt", "System.CommandLine", "Spectre.Console"]);
    }

    [Fact]
    public void Library_never_writes_to_the_console()
    {
        // Any use of System.Console in the library would make the compiler reference this assembly.
        LibraryReferences().Should().NotContain("System.Console");
    }
}
