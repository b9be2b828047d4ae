using System.Globalization;
using System.Text;
using ImageFormat.Errors;

namespace ImageFormat.Moby;

/// <summary>A value a template is executed on: one listing row, or the header of a table.</summary>
internal interface ITemplateRow
{
    /// <summary>The Go type Docker's messages name (<c>*formatter.imageContext</c>).</summary>
    string TypeName { get; }

    /// <summary>Every placeholder without arguments, sorted by name, as <c>{{json .}}</c> writes them (a null value is JSON <c>null</c>).</summary>
    IEnumerable<KeyValuePair<string, string?>> Fields { get; }

    /// <summary>A placeholder's value; <see langword="null"/> when the row has no such placeholder.</summary>
    /// <exception cref="ImageFormatException">Wrong number of arguments.</exception>
    string? Field(string name, IReadOnlyList<string> arguments);
}

/// <summary>
/// The subset of Go's <c>text/template</c> that Docker's <c>--format</c> users write, over Docker's own function
/// set: text, <c>{{.Field}}</c>, <c>{{.Label "key"}}</c>, <c>{{json .}}</c> and <c>{{json .Field}}</c>,
/// <c>upper</c>, <c>lower</c>, <c>title</c>, pipes (<c>{{.ID | upper}}</c>), <c>{{if …}}…{{else}}…{{end}}</c>,
/// and the <c>{{-</c>/<c>-}}</c> trim markers. Anything else (variables, <c>range</c>, <c>printf</c>, …) is refused
/// with a message that says so, never rendered differently from Docker.
/// </summary>
internal sealed class DockerTemplate
{
    private static readonly string[] s_docker = ["split", "join", "pad", "truncate", "println", "printf", "print", "len", "index", "slice", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "call", "html", "js", "urlquery"];
    private static readonly string[] s_keywords = ["range", "with", "define", "template", "block", "break", "continue", "nil"];

    private readonly List<Node> _nodes;

    private DockerTemplate(List<Node> nodes) => _nodes = nodes;

    private abstract record Node;

    private sealed record TextNode(string Text) : Node;

    private sealed record ActionNode(Pipeline Pipeline) : Node;

    private sealed record IfNode(Pipeline Condition, List<Node> Then, List<Node> Else) : Node;

    private sealed record Pipeline(List<List<Word>> Commands);

    private sealed record Word(WordKind Kind, string Text, int Line, int Column);

    private enum WordKind
    {
        Field,
        Dot,
        String,
        Function,
    }

    /// <summary>Parses a template the way Docker's <c>templates.Parse</c> does, after the client's <c>\t</c>/<c>\n</c> replacement.</summary>
    /// <exception cref="ImageFormatException">The template cannot be parsed (<see cref="ErrorCodes.StoreInvalidTemplate"/>), with Go's message.</exception>
    public static DockerTemplate Parse(string text)
    {
        var tokens = new List<(bool Action, string Text, int Offset)>();
        int position = 0;
        while (position < text.Length)
        {
            int open = text.IndexOf("{{", position, StringComparison.Ordinal);
            if (open < 0)
            {
                tokens.Add((false, text[position..], position));
                break;
            }

            string before = text[position..open];
            int start = open + 2;
            if (start + 1 < text.Length && text[start] == '-' && char.IsWhiteSpace(text[start + 1]))
            {
                before = before.TrimEnd();
                start++;
            }

            tokens.Add((false, before, position));
            int close = text.IndexOf("}}", start, StringComparison.Ordinal);
            if (close < 0)
            {
                throw Error(LineOf(text, open), "unclosed action");
            }

            string inner = text[start..close];
            position = close + 2;
            if (inner.Length >= 2 && inner[^1] == '-' && char.IsWhiteSpace(inner[^2]))
            {
                inner = inner[..^1];
                while (position < text.Length && char.IsWhiteSpace(text[position]))
                {
                    position++;
                }
            }

            tokens.Add((true, inner, start));
        }

        int index = 0;
        List<Node> nodes = ParseList(text, tokens, ref index, out string? terminator);
        if (terminator is not null)
        {
            throw Error(1, $"unexpected {{{{{terminator}}}}}");
        }

        return new DockerTemplate(nodes);
    }

    private static List<Node> ParseList(string source, List<(bool Action, string Text, int Offset)> tokens, ref int index, out string? terminator)
    {
        var nodes = new List<Node>();
        terminator = null;
        while (index < tokens.Count)
        {
            (bool action, string text, int offset) = tokens[index++];
            if (!action)
            {
                if (text.Length > 0)
                {
                    nodes.Add(new TextNode(text));
                }

                continue;
            }

            string trimmed = text.Trim();
            int line = LineOf(source, offset);
            if (trimmed is "end" or "else")
            {
                terminator = trimmed;
                return nodes;
            }

            if (trimmed.StartsWith("if ", StringComparison.Ordinal) || trimmed == "if")
            {
                Pipeline condition = ParsePipeline(source, trimmed[2..], offset + text.IndexOf("if", StringComparison.Ordinal) + 2, line);
                List<Node> then = ParseList(source, tokens, ref index, out string? end);
                List<Node> otherwise = [];
                if (end == "else")
                {
                    otherwise = ParseList(source, tokens, ref index, out end);
                }

                if (end != "end")
                {
                    throw Error(line, end is null ? "unexpected EOF" : $"unexpected {{{{{end}}}}}");
                }

                nodes.Add(new IfNode(condition, then, otherwise));
                continue;
            }

            nodes.Add(new ActionNode(ParsePipeline(source, text, offset, line)));
        }

        return nodes;
    }

    private static Pipeline ParsePipeline(string source, string text, int offset, int line)
    {
        int lineStart = source.LastIndexOf('\n', Math.Max(0, offset - 1)) + 1;
        var commands = new List<List<Word>> { new() };
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            int column = offset + i - lineStart;
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '|')
            {
                commands.Add([]);
                i++;
            }
            else if (c == '.')
            {
                int end = i + 1;
                while (end < text.Length && (char.IsLetterOrDigit(text[end]) || text[end] == '_'))
                {
                    end++;
                }

                if (end < text.Length && text[end] == '.')
                {
                    throw Unsupported(line, $"the chained field {text[i..].Split(' ')[0]}");
                }

                commands[^1].Add(end == i + 1 ? new Word(WordKind.Dot, ".", line, column) : new Word(WordKind.Field, text[(i + 1)..end], line, column));
                i = end;
            }
            else if (c is '"' or '`')
            {
                var value = new StringBuilder();
                int end = i + 1;
                while (end < text.Length && text[end] != c)
                {
                    if (c == '"' && text[end] == '\\' && end + 1 < text.Length)
                    {
                        end++;
                        value.Append(text[end] switch { 'n' => '\n', 't' => '\t', _ => text[end] });
                    }
                    else
                    {
                        value.Append(text[end]);
                    }

                    end++;
                }

                if (end >= text.Length)
                {
                    throw Error(line, "unterminated quoted string");
                }

                commands[^1].Add(new Word(WordKind.String, value.ToString(), line, column));
                i = end + 1;
            }
            else if (char.IsLetter(c))
            {
                int end = i;
                while (end < text.Length && (char.IsLetterOrDigit(text[end]) || text[end] == '_'))
                {
                    end++;
                }

                string name = text[i..end];
                if (s_keywords.Contains(name) || s_docker.Contains(name))
                {
                    throw Unsupported(line, $"\"{name}\"");
                }

                if (name is not ("json" or "upper" or "lower" or "title"))
                {
                    throw Error(line, $"function \"{name}\" not defined");
                }

                commands[^1].Add(new Word(WordKind.Function, name, line, column));
                i = end;
            }
            else if (c == '/' && text.AsSpan(i).StartsWith("/*"))
            {
                throw Unsupported(line, "comments");
            }
            else
            {
                throw Unsupported(line, $"\"{text.Trim()}\"");
            }
        }

        if (commands.Any(command => command.Count == 0))
        {
            throw Error(line, commands.Count > 1 ? "missing command" : "missing value for command");
        }

        return new Pipeline(commands);
    }

    /// <summary>Executes the template on a row, as Go does: the output up to an error, and the error.</summary>
    /// <param name="row">The row (or the header).</param>
    /// <param name="header">The header of a table: functions return their argument, as Docker's <c>HeaderFunctions</c> do, and missing fields print <c>&lt;no value&gt;</c>.</param>
    /// <param name="output">The text.</param>
    /// <returns>The error, or <see langword="null"/>.</returns>
    public ImageFormatException? Execute(ITemplateRow row, bool header, StringBuilder output)
    {
        try
        {
            Run(_nodes, row, header, output);
            return null;
        }
        catch (ImageFormatException e)
        {
            return e;
        }
    }

    private static void Run(List<Node> nodes, ITemplateRow row, bool header, StringBuilder output)
    {
        foreach (Node node in nodes)
        {
            switch (node)
            {
                case TextNode text:
                    output.Append(text.Text);
                    break;
                case ActionNode action:
                    object value = Evaluate(action.Pipeline, row, header);
                    output.Append(value as string ?? throw Unsupported(action.Pipeline.Commands[0][0].Line, "printing \".\" itself (use {{json .}})"));
                    break;
                case IfNode conditional:
                    object condition = Evaluate(conditional.Condition, row, header);
                    Run(condition is not "" ? conditional.Then : conditional.Else, row, header, output);
                    break;
            }
        }
    }

    private static object Evaluate(Pipeline pipeline, ITemplateRow row, bool header)
    {
        object? previous = null;
        foreach (List<Word> command in pipeline.Commands)
        {
            Word first = command[0];
            List<object> arguments = [.. command.Skip(1).Select(w => Operand(w, row, header, []))];
            if (previous is not null)
            {
                arguments.Add(previous);
            }

            previous = first.Kind switch
            {
                WordKind.Function => Call(first, arguments, header),
                WordKind.Field => Operand(first, row, header, [.. arguments.Select(a => a as string ?? throw Unsupported(first.Line, "passing \".\" to a placeholder"))]),
                _ when arguments.Count > 0 => throw Error(first.Line, $"can't give argument to non-function {first.Text}"),
                _ => Operand(first, row, header, []),
            };
        }

        return previous!;
    }

    private static object Operand(Word word, ITemplateRow row, bool header, IReadOnlyList<string> arguments) => word.Kind switch
    {
        WordKind.Dot => row,
        WordKind.String => word.Text,
        WordKind.Field => row.Field(word.Text, arguments)
            ?? (header ? "<no value>" : throw Error(word.Line, $"executing \"\" at <.{word.Text}>: can't evaluate field {word.Text} in type {row.TypeName}", word.Column)),
        _ => throw Error(word.Line, $"function \"{word.Text}\" needs to be called first in its command"),
    };

    private static string Call(Word function, List<object> arguments, bool header)
    {
        if (arguments.Count != 1)
        {
            throw Error(function.Line, $"executing \"\" at <{function.Text}>: wrong number of args for {function.Text}: want 1 got {arguments.Count}", function.Column);
        }

        object argument = arguments[0];
        if (header)
        {
            return argument as string ?? throw Error(function.Line, "header");
        }

        if (function.Text == "json")
        {
            return argument is ITemplateRow row ? JsonObject(row.Fields) : JsonString(argument as string ?? string.Empty, escapeHtml: false);
        }

        string text = argument as string ?? throw Error(function.Line, $"executing \"\" at <{function.Text}>: wrong type for value; expected string; got {((ITemplateRow)argument).TypeName}", function.Column);
        return function.Text switch
        {
            "upper" => text.ToUpperInvariant(),
            "lower" => text.ToLowerInvariant(),
            _ => Title(text),
        };
    }

    /// <summary>Go's <c>strings.Title</c>: the first letter of each word in upper case.</summary>
    private static string Title(string text)
    {
        var result = new StringBuilder(text.Length);
        bool previousIsLetter = false;
        foreach (char c in text)
        {
            result.Append(previousIsLetter ? c : char.ToUpperInvariant(c));
            previousIsLetter = char.IsLetterOrDigit(c) || c == '_' || c == '\'';
        }

        return result.ToString();
    }

    /// <summary>The Docker client's <c>formatter.MarshalJSON</c>: the placeholders as a map, which Go writes sorted and HTML-escaped.</summary>
    internal static string JsonObject(IEnumerable<KeyValuePair<string, string?>> fields)
    {
        var result = new StringBuilder("{");
        foreach ((string key, string? value) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (result.Length > 1)
            {
                result.Append(',');
            }

            result.Append(JsonString(key, escapeHtml: true)).Append(':').Append(value is null ? "null" : JsonString(value, escapeHtml: true));
        }

        return result.Append('}').ToString();
    }

    /// <summary>Go's <c>encoding/json</c> string: <c>\u003c</c>, <c>\u003e</c>, <c>\u0026</c> when HTML-escaping.</summary>
    private static string JsonString(string text, bool escapeHtml)
    {
        var result = new StringBuilder("\"");
        foreach (char c in text)
        {
            switch (c)
            {
                case '"': result.Append("\\\""); break;
                case '\\': result.Append("\\\\"); break;
                case '\n': result.Append("\\n"); break;
                case '\r': result.Append("\\r"); break;
                case '\t': result.Append("\\t"); break;
                case '<' or '>' or '&' when escapeHtml:
                case < ' ':
                case '\u2028' or '\u2029':
                    result.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    break;
                default: result.Append(c); break;
            }
        }

        return result.Append('"').ToString();
    }

    private static int LineOf(string text, int offset) => 1 + text.AsSpan(0, Math.Min(offset, text.Length)).Count('\n');

    private static ImageFormatException Error(int line, string message, int? column = null) =>
        new(ErrorCodes.StoreInvalidTemplate, column is { } c ? $"template: :{line}:{c}: {message}" : $"template: :{line}: {message}");

    private static ImageFormatException Unsupported(int line, string what) =>
        Error(line, $"{what} is not supported by imagefmt's --format (it takes text, {{{{.Field}}}}, {{{{.Label \"key\"}}}}, json, upper, lower, title, pipes and if/else/end)");
}

/// <summary>
/// Go's <c>text/tabwriter</c> as the Docker client configures it (<c>NewWriter(out, 10, 1, 3, ' ', 0)</c>): cells end
/// at tabs, a column block is a run of lines that have that column, each column of a block is as wide as its widest
/// cell plus 3 (at least 10), and the last cell of a line is not part of any column.
/// </summary>
internal static class DockerTabWriter
{
    private const int MinWidth = 10;
    private const int Padding = 3;

    public static string Format(string text)
    {
        string[][] lines = [.. text.Split('\n').Select(l => l.Split('\t'))];
        var output = new StringBuilder();
        FormatBlock(lines, output, [], 0, lines.Length);
        return output.ToString();
    }

    private static void FormatBlock(string[][] lines, StringBuilder output, List<int> widths, int line0, int line1)
    {
        int column = widths.Count;
        for (int current = line0; current < line1; current++)
        {
            if (column >= lines[current].Length - 1)
            {
                continue;
            }

            WriteLines(lines, output, widths, line0, current);
            line0 = current;
            int width = MinWidth;
            for (; current < line1 && column < lines[current].Length - 1; current++)
            {
                width = Math.Max(width, Width(lines[current][column]) + Padding);
            }

            widths.Add(width);
            FormatBlock(lines, output, widths, line0, current);
            widths.RemoveAt(widths.Count - 1);
            line0 = current;
            current--;
        }

        WriteLines(lines, output, widths, line0, line1);
    }

    private static void WriteLines(string[][] lines, StringBuilder output, List<int> widths, int line0, int line1)
    {
        for (int i = line0; i < line1; i++)
        {
            string[] cells = lines[i];
            for (int j = 0; j < cells.Length; j++)
            {
                output.Append(cells[j]);
                if (j < widths.Count)
                {
                    output.Append(' ', widths[j] - Width(cells[j]));
                }
            }

            if (i + 1 < lines.Length)
            {
                output.Append('\n');
            }
        }
    }

    private static int Width(string cell) => cell.EnumerateRunes().Count();
}
