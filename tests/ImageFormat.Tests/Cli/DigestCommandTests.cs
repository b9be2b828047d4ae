using FluentAssertions;
using ImageFormat.Cli;
using Xunit;

namespace ImageFormat.Tests.Cli;

public class DigestCommandTests
{
    [Fact]
    public void Digest_prints_sha256_and_the_file_name_like_sha256sum()
    {
        string path = Path.Combine(Path.GetTempPath(), $"imagefmt-digest-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "hello\n");
        try
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int exit = Program.Run(["digest", path], TextReader.Null, stdout, stderr);
            exit.Should().Be(0, stderr.ToString());
            stdout.ToString().Should().Be($"sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  {path}\n");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
