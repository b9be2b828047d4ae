using System.Text;

namespace ImageFormat.References;

/// <summary>
/// Docker's reference grammar (distribution/reference as vendored by Docker Engine 20.10), matched by hand in
/// one linear pass so that hostile input cannot make it backtrack:
/// <code>
/// reference        := name [ ":" tag ] [ "@" digest ]
/// name             := [domain "/"] path-component ["/" path-component]*
/// domain           := domain-component ["." domain-component]* [":" port-number]
/// domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
/// port-number      := /[0-9]+/
/// path-component   := alpha-numeric [separator alpha-numeric]*
/// alpha-numeric    := /[a-z0-9]+/
/// separator        := /[_.]|__|[-]*/
/// tag              := /[\w][\w.-]{0,127}/
/// digest           := algorithm ":" /[0-9a-fA-F]{32,}/
/// algorithm        := /[A-Za-z][A-Za-z0-9]*/ [ /[-_+.]/ /[A-Za-z][A-Za-z0-9]*/ ]*
/// </code>
/// </summary>
internal static class ReferenceGrammar
{
    internal const int NameTotalLengthMax = 255;
    internal const int TagLengthMax = 128;

    // Docker's error texts, kept verbatim so callers can show what Docker shows.
    internal const string ErrInvalidFormat = "invalid reference format";
    internal const string ErrNameEmpty = "repository name must have at least one component";
    internal const string ErrNameContainsUppercase = "repository name must be lowercase";
    internal const string ErrNormalizedUppercase = "invalid reference format: repository name must be lowercase";
    internal const string ErrNameTooLong = "repository name must not be more than 255 characters";
    internal const string ErrNameNotCanonical = "repository name must be canonical";
    internal const string ErrTagInvalidFormat = "invalid tag format";
    internal const string ErrDigestInvalidFormat = "invalid checksum digest format";
    internal const string ErrDigestInvalidLength = "invalid checksum digest length";
    internal const string ErrDigestUnsupported = "unsupported digest algorithm";

    /// <summary>Where the parts of a matched reference lie; -1 marks an absent part.</summary>
    internal readonly record struct Parts(int NameLength, int TagStart, int TagLength, int DigestStart);

    internal static bool IsLowerAlphaNumeric(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    /// <summary>Matches the whole reference grammar; says nothing about digest algorithms or lengths.</summary>
    internal static bool TryMatchReference(ReadOnlySpan<char> s, out Parts parts)
    {
        parts = default;

        // Neither name nor tag may contain '@', and the digest pattern has none, so the first '@' splits.
        int at = s.IndexOf('@');
        int digestStart = -1;
        ReadOnlySpan<char> left = s;
        if (at >= 0)
        {
            if (!IsDigestPattern(s[(at + 1)..]))
            {
                return false;
            }

            digestStart = at + 1;
            left = s[..at];
        }

        // A ':' after the last '/' cannot be a port (a domain is always followed by '/'), so it starts the tag.
        int colon = left.LastIndexOf(':');
        int tagStart = -1;
        int tagLength = 0;
        int nameLength = left.Length;
        if (colon >= 0 && colon > left.LastIndexOf('/'))
        {
            if (!IsTag(left[(colon + 1)..]))
            {
                return false;
            }

            tagStart = colon + 1;
            tagLength = left.Length - tagStart;
            nameLength = colon;
        }

        if (!TrySplitName(left[..nameLength], out _))
        {
            return false;
        }

        parts = new Parts(nameLength, tagStart, tagLength, digestStart);
        return true;
    }

    /// <summary>
    /// Matches a name and finds its domain the way the anchored name pattern's greedy optional group does: the
    /// text before the first '/' is the domain when it is one and the rest is a path; otherwise there is no domain
    /// and the whole name must be a path.
    /// </summary>
    /// <param name="name">The name.</param>
    /// <param name="domainLength">The domain's length, or -1 when the name has no domain.</param>
    internal static bool TrySplitName(ReadOnlySpan<char> name, out int domainLength)
    {
        int slash = name.IndexOf('/');
        if (slash >= 0 && IsDomain(name[..slash]) && IsPath(name[(slash + 1)..]))
        {
            domainLength = slash;
            return true;
        }

        domainLength = -1;
        return IsPath(name);
    }

    internal static bool IsPath(ReadOnlySpan<char> path)
    {
        foreach (Range component in path.Split('/'))
        {
            if (!IsPathComponent(path[component]))
            {
                return false;
            }
        }

        return true;
    }

    internal static bool IsPathComponent(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty || !IsLowerAlphaNumeric(s[0]) || !IsLowerAlphaNumeric(s[^1]))
        {
            return false;
        }

        int i = 1;
        while (i < s.Length)
        {
            if (IsLowerAlphaNumeric(s[i]))
            {
                i++;
                continue;
            }

            int start = i;
            while (!IsLowerAlphaNumeric(s[i]))
            {
                i++;
            }

            // Every run between alphanumerics is one separator: ".", "_", "__" or any number of dashes.
            ReadOnlySpan<char> separator = s[start..i];
            if (separator is not ("." or "_" or "__") && separator.ContainsAnyExcept('-'))
            {
                return false;
            }
        }

        return true;
    }

    internal static bool IsDomain(ReadOnlySpan<char> s)
    {
        int colon = s.IndexOf(':');
        ReadOnlySpan<char> host = s;
        if (colon >= 0)
        {
            ReadOnlySpan<char> port = s[(colon + 1)..];
            if (port.IsEmpty || port.ContainsAnyExceptInRange('0', '9'))
            {
                return false;
            }

            host = s[..colon];
        }

        foreach (Range component in host.Split('.'))
        {
            if (!IsDomainComponent(host[component]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsDomainComponent(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty || !char.IsAsciiLetterOrDigit(s[0]) || !char.IsAsciiLetterOrDigit(s[^1]))
        {
            return false;
        }

        foreach (char c in s)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    internal static bool IsTag(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty || s.Length > TagLengthMax || !IsWordChar(s[0]))
        {
            return false;
        }

        foreach (char c in s[1..])
        {
            if (!IsWordChar(c) && c != '.' && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    internal static bool IsDigestPattern(ReadOnlySpan<char> s)
    {
        int colon = s.IndexOf(':');
        if (colon < 0)
        {
            return false;
        }

        ReadOnlySpan<char> hex = s[(colon + 1)..];
        if (hex.Length < 32 || hex.ContainsAnyExcept(HexDigits))
        {
            return false;
        }

        ReadOnlySpan<char> algorithm = s[..colon];
        bool expectLetter = true;
        foreach (char c in algorithm)
        {
            if (expectLetter)
            {
                if (!char.IsAsciiLetter(c))
                {
                    return false;
                }

                expectLetter = false;
            }
            else if (c is '-' or '_' or '+' or '.')
            {
                expectLetter = true;
            }
            else if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return !expectLetter;
    }

    private static readonly System.Buffers.SearchValues<char> HexDigits =
        System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>Whether <paramref name="s"/> is exactly 64 lowercase hex characters (an image ID without its algorithm).</summary>
    internal static bool IsIdentifier(ReadOnlySpan<char> s) =>
        s.Length == 64 && !s.ContainsAnyExcept(LowerHexDigits);

    private static readonly System.Buffers.SearchValues<char> LowerHexDigits =
        System.Buffers.SearchValues.Create("0123456789abcdef");

    /// <summary>
    /// Whether lowercasing changes <paramref name="s"/>, as Go's <c>strings.ToLower(s) != s</c> decides it: any
    /// rune with a lowercase mapping counts, not only A-Z.
    /// </summary>
    internal static bool ChangesWhenLowercased(ReadOnlySpan<char> s)
    {
        foreach (Rune rune in s.EnumerateRunes())
        {
            if (rune.Value == 0x130 || Rune.ToLowerInvariant(rune) != rune)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Lowercases only what can turn into grammar characters: A-Z, and the two non-ASCII letters whose Go
    /// lowercase is ASCII (U+0130 to 'i', U+212A KELVIN SIGN to 'k'). Everything else stays outside the grammar
    /// either way, so leaving it unchanged gives the same match result as Go's full lowercasing.
    /// </summary>
    internal static string LowercaseForGrammar(string s) => string.Create(s.Length, s, static (span, source) =>
    {
        for (int i = 0; i < source.Length; i++)
        {
            char c = source[i];
            span[i] = c switch
            {
                >= 'A' and <= 'Z' => (char)(c + ('a' - 'A')),
                '\u0130' => 'i',
                '\u212A' => 'k',
                _ => c,
            };
        }
    });
}
