using System.Text;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Model;
using ImageFormat.References;

namespace ImageFormat.Fuzz.Harnesses;

/// <summary>The reference, specifier, digest and platform parsers on the input as UTF-8 text.</summary>
public sealed class ReferenceHarness : Harness
{
    /// <inheritdoc/>
    public override string Name => "reference";

    /// <inheritdoc/>
    public override string Checks => "ImageReference.Parse/ParseFull/TryParse, ImageSpecifier, Digest and Platform parsers on the input as text; only their documented exceptions may escape, Parse and TryParse agree, and what parses round-trips through its full string form (ToString, then ParseFull).";

    /// <inheritdoc/>
    public override void Run(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        string text = Encoding.UTF8.GetString(data);

        bool parsed = ImageReference.TryParse(text, out ImageReference? reference, out string? reason);
        try
        {
            ImageReference thrown = ImageReference.Parse(text);
            Agree(parsed, "ImageReference.Parse succeeded where TryParse failed (" + reason + ")");
            Agree(thrown == reference, "ImageReference.Parse and TryParse gave different references");
            Agree(ImageReference.ParseFull(thrown.ToString()) == thrown, $"ParseFull(\"{thrown}\") does not give back the reference");
            // Not asserted: Parse(FamiliarString()) == reference. Docker's familiar form is ambiguous when the first
            // path component looks like a domain (docker.io/a.io/b familiarizes to a.io/b), and this follows Docker.
            _ = thrown.FamiliarString();
            Agree(thrown.WithoutTagOrDigest().WithDefaultTag().Tag == ImageReference.DefaultTag, "WithDefaultTag of a bare name has no default tag");
            if (thrown.Digest is { } digest)
            {
                Agree(thrown.WithDigest(digest) == thrown, "WithDigest of its own digest changes the reference");
            }
        }
        catch (InvalidReferenceException e)
        {
            Agree(!parsed, "ImageReference.Parse failed where TryParse succeeded: " + e.Message);
        }

        try
        {
            _ = ImageReference.ParseFull(text);
        }
        catch (InvalidReferenceException)
        {
            // Documented.
        }

        bool specified = ImageSpecifier.TryParse(text, out ImageSpecifier? specifier, out _);
        try
        {
            ImageSpecifier thrown = ImageSpecifier.Parse(text);
            Agree(specified && thrown.ToString() == specifier!.ToString(), "ImageSpecifier.Parse and TryParse disagree");
        }
        catch (InvalidReferenceException)
        {
            Agree(!specified, "ImageSpecifier.Parse failed where TryParse succeeded");
        }

        bool digested = Digest.TryParse(text, out Digest d, out _);
        try
        {
            Digest thrown = Digest.Parse(text);
            Agree(digested && thrown == d, "Digest.Parse and TryParse disagree");
            Agree(Digest.Parse(thrown.ToString()) == thrown && thrown.ToString() == text, $"digest \"{text}\" does not round-trip");
        }
        catch (InvalidDigestException)
        {
            Agree(!digested, "Digest.Parse failed where TryParse succeeded");
        }

        bool platformed = Platform.TryParse(text, out Platform? platform);
        try
        {
            Platform thrown = Platform.Parse(text);
            Agree(platformed && thrown.ToString() == platform!.ToString(), "Platform.Parse and TryParse disagree");
        }
        catch (ArgumentException)
        {
            Agree(!platformed, "Platform.Parse failed where TryParse succeeded");
        }
    }

    private static void Agree(bool condition, string message)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(message);
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources seeds)
    {
        string[] texts =
        [
            "ubuntu", "ubuntu:14.04", "library/ubuntu:latest", "docker.io/library/ubuntu", "index.docker.io/user/app",
            "localhost:5000/x/y:tag", "[::1]:5000/app@sha256:" + new string('a', 64), "user/app:v1@sha256:" + new string('0', 64),
            "sha256:" + new string('f', 64), "sha512:" + new string('1', 128), "0123456789ab", "UPPER/case", "a..b", "a/b/c/d/e:t",
            "registry.example.com:443/ns/repo:1.0-rc_1", "linux/amd64", "linux/arm64/v8", "windows/amd64", "x:" + new string('t', 129),
        ];
        for (int i = 0; i < texts.Length; i++)
        {
            yield return ($"text-{i:D2}", Encoding.UTF8.GetBytes(texts[i]));
        }
    }
}
