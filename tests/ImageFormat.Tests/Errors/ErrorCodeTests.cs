using System.Reflection;
using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Errors;
using Xunit;

namespace ImageFormat.Tests.Errors;

public class ErrorCodeTests
{
    private static IEnumerable<(string Name, string Code)> Codes() =>
        typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (f.Name, (string)f.GetRawConstantValue()!));

    [Fact]
    public void Every_error_code_is_unique()
    {
        var codes = Codes().ToList();
        codes.Should().NotBeEmpty();
        codes.Select(c => c.Code).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void Every_error_code_has_the_stable_IMGFMT_form()
    {
        Codes().Should().OnlyContain(c => c.Code.Length == 10 && c.Code.StartsWith("IMGFMT", StringComparison.Ordinal) && c.Code.Substring(6).All(char.IsAsciiDigit));
    }

    [Fact]
    public void Every_exception_type_is_an_ImageFormatException_and_sealed_or_an_abstract_family()
    {
        Type[] types = typeof(ImageFormatException).Assembly.GetExportedTypes()
            .Where(t => typeof(Exception).IsAssignableFrom(t))
            .ToArray();
        types.Should().Contain(typeof(ImageFormatException));
        types.Where(t => t != typeof(ImageFormatException)).Should().OnlyContain(t => (t.IsSealed || t.IsAbstract) && t.IsSubclassOf(typeof(ImageFormatException)));
        types.Where(t => t.IsAbstract).Should().Equal(typeof(ContentMismatchException));
    }

    [Fact]
    public void Digest_mismatch_message_names_the_subject_the_expected_and_the_actual_digest()
    {
        var e = new DigestMismatchException("blobs/sha256/abc", Digest.Compute([1]), Digest.Compute([2]));

        e.Code.Should().Be(ErrorCodes.DigestMismatch);
        e.Expected.Should().Be(Digest.Compute([1]));
        e.Actual.Should().Be(Digest.Compute([2]));
        e.Should().BeAssignableTo<ContentMismatchException>().Which.Subject.Should().Be("blobs/sha256/abc");
        e.Message.Should().Be($"blobs/sha256/abc: digest mismatch: expected {Digest.Compute([1])}, found {Digest.Compute([2])}");
        e.ToString().Should().StartWith("IMGFMT0002: ImageFormat.Errors.DigestMismatchException: blobs/sha256/abc: digest mismatch");
    }

    [Fact]
    public void Size_mismatch_is_its_own_type_with_expected_and_found_bytes()
    {
        var e = new SizeMismatchException("layer.tar", 10, 9);

        e.Message.Should().Be("layer.tar: size mismatch: expected 10 bytes, found 9");
        e.Code.Should().Be("IMGFMT0003");
        e.Expected.Should().Be(10);
        e.Actual.Should().Be(9);
        e.Should().BeAssignableTo<ContentMismatchException>().Which.Subject.Should().Be("layer.tar");
    }

    [Fact]
    public void Size_mismatch_past_the_expected_end_has_no_actual_size()
    {
        var e = new SizeMismatchException("layer.tar", 10, null);

        e.Message.Should().Be("layer.tar: size mismatch: expected 10 bytes, found more than 10");
        e.Actual.Should().BeNull();
    }

    [Fact]
    public void Limit_exceeded_names_the_limit_the_maximum_and_what_was_found()
    {
        var e = new LimitExceededException("manifest.json", nameof(ImageFormatLimits.MaxJsonBytes), 4194304, 4194305);

        e.Message.Should().Be("manifest.json: MaxJsonBytes exceeded: at most 4194304 allowed, found 4194305; if the input is trusted, raise ImageFormatLimits.MaxJsonBytes (imagefmt --limit MaxJsonBytes=VALUE)");
    }
}
