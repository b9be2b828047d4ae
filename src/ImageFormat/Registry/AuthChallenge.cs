using System.Text;

namespace ImageFormat.Registry;

/// <summary>
/// One challenge of a <c>WWW-Authenticate</c> header (RFC 7235 section 4.1): a scheme and its parameters, as a
/// registry sends them (<c>Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull"</c>).
/// </summary>
internal sealed class AuthChallenge
{
    private AuthChallenge(string scheme, Dictionary<string, string> parameters)
    {
        Scheme = scheme;
        Parameters = parameters;
    }

    /// <summary>The scheme, such as <c>Bearer</c> or <c>Basic</c>.</summary>
    public string Scheme { get; }

    /// <summary>The parameters by lower-case name, unquoted.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; }

    public bool IsBearer => Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase);

    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    public string? this[string name] => Parameters.GetValueOrDefault(name);

    /// <summary>Parses every challenge of one header value (several may be listed, separated by commas).</summary>
    public static List<AuthChallenge> Parse(string header)
    {
        List<AuthChallenge> result = [];
        int i = 0;
        while (true)
        {
            SkipSeparators(header, ref i);
            if (i >= header.Length)
            {
                return result;
            }

            string scheme = ReadToken(header, ref i);
            if (scheme.Length == 0)
            {
                return result;
            }

            Dictionary<string, string> parameters = new(StringComparer.Ordinal);
            while (true)
            {
                SkipSpaces(header, ref i);
                int save = i;
                string name = ReadToken(header, ref i);
                SkipSpaces(header, ref i);
                if (name.Length == 0 || i >= header.Length || header[i] != '=')
                {
                    // Not a parameter: the next challenge's scheme (or the end).
                    i = save;
                    break;
                }

                i++;
                SkipSpaces(header, ref i);
                string value = i < header.Length && header[i] == '"' ? ReadQuoted(header, ref i) : ReadToken(header, ref i);
                parameters[name.ToLowerInvariant()] = value;
                SkipSpaces(header, ref i);
                if (i < header.Length && header[i] == ',')
                {
                    i++;
                }
            }

            result.Add(new AuthChallenge(scheme, parameters));
        }
    }

    private static void SkipSpaces(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t')
        {
            i++;
        }
    }

    private static void SkipSeparators(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t' or ',')
        {
            i++;
        }
    }

    private static string ReadToken(string s, ref int i)
    {
        int start = i;
        while (i < s.Length && s[i] is not (' ' or '\t' or ',' or '=' or '"'))
        {
            i++;
        }

        return s[start..i];
    }

    private static string ReadQuoted(string s, ref int i)
    {
        StringBuilder value = new();
        i++;
        while (i < s.Length && s[i] != '"')
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
            }

            value.Append(s[i]);
            i++;
        }

        i++;
        return value.ToString();
    }
}
