using FluentAssertions;
using ImageFormat.Errors;
using ImageFormat.Store;
using ImageFormat.Tests.Cli;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Store;

public class ContainerNameTests
{
    [Theory]
    [InlineData("t")]
    [InlineData("-x")]
    [InlineData("a b")]
    [InlineData("_lead")]
    [InlineData("ab/cd")]
    public void Invalid_container_names_are_refused_with_dockers_text(string name)
    {
        using ImageStore store = ImageStore.CreateInMemory();
        store.Load(RepoPaths.Sample("hello.tar"));

        Action create = () => store.AddContainer("hello:latest", name);

        create.Should().Throw<ImageFormatException>().Which.Should().Match<ImageFormatException>(e =>
            e.Code == ErrorCodes.StoreInvalidName && e.Message == $"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("commit_test")]
    [InlineData("a.b-c_d9")]
    public void Valid_container_names_are_accepted(string name)
    {
        using ImageStore store = ImageStore.CreateInMemory();
        store.Load(RepoPaths.Sample("hello.tar"));

        store.AddContainer("hello:latest", name).Name.Should().Be(name);
    }

    [Fact]
    public void Cli_prints_the_daemons_error_for_an_invalid_name_like_the_docker_client()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("store");
        CliRunner.Run("--root", root, "load", "-i", RepoPaths.Sample("hello.tar")).ExitCode.Should().Be(0);

        CliResult result = CliRunner.Run("--root", root, "create", "--name", "t", "hello:latest");

        result.ExitCode.Should().Be(1);
        result.StdErr.Should().Be("Error response from daemon: Invalid container name (t), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed\n");
    }
}
