using System.Text;
using System.Text.Json;

namespace ImageFormat.Json;

/// <summary>Wording shared by the JSON plumbing's error messages.</summary>
internal static class JsonErrors
{
    public static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    /// <summary>Appends one path step in the <c>$.a.b[0]['c d']</c> notation System.Text.Json uses.</summary>
    public static void AppendProperty(StringBuilder path, string name)
    {
        bool plain = name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
        if (plain)
        {
            path.Append('.').Append(name);
        }
        else
        {
            path.Append("['").Append(name.Replace("'", "\\'", StringComparison.Ordinal)).Append("']");
        }
    }

    /// <summary>Turns a serializer failure into "path: what", dropping the serializer's own location suffix.</summary>
    public static string Reason(JsonException ex)
    {
        string message = ex.Message;
        int suffix = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (suffix >= 0)
        {
            message = message[..suffix];
        }

        string where = ex.Path ?? "$";
        return ex.LineNumber is long line && ex.BytePositionInLine is long column
            ? $"at {where} (line {line + 1}, byte {column + 1}): {message}"
            : $"at {where}: {message}";
    }
}
