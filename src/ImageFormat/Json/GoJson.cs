using System.Buffers;
using System.Text;
using System.Text.Json;

namespace ImageFormat.Json;

/// <summary>
/// Go's <c>encoding/json</c> output, byte for byte: <see cref="Transcode"/> rewrites compact JSON into the exact bytes
/// <c>json.Marshal</c> writes for the same tokens (no whitespace, numbers copied as written), and
/// <see cref="WriteString(IBufferWriter{byte}, ReadOnlySpan{byte}, GoJsonVersion)"/> is the one string escaper of the library, used by <see cref="Transcode"/> and by the
/// struct writer <c>Moby.GoJsonWriter</c>.
/// </summary>
/// <remarks>
/// <para>Strings: <c>\"</c>, <c>\\</c>, <c>\n</c>, <c>\r</c>, <c>\t</c>; other control characters and <c>&lt;</c>,
/// <c>&gt;</c>, <c>&amp;</c>, U+2028, U+2029 as lowercase <c>\u00XX</c> escapes; invalid UTF-8 as <c>\ufffd</c>; every
/// other character as raw UTF-8. The only difference between the Go versions the library reproduces is backspace
/// and form feed (see <see cref="GoJsonVersion"/>): Go 1.22 writes <c>\b</c> and <c>\f</c>, earlier versions
/// <c>\u0008</c> and <c>\u000c</c> (Go 1.22 release notes, "encoding/json").</para>
/// <para>System.Text.Json's encoders write uppercase hex and escape more than Go does, so the serializer's output is
/// re-tokenised here rather than configured.</para>
/// </remarks>
internal static class GoJson
{
    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

    /// <summary>Rewrites compact JSON as Go 1.22+ marshals the same tokens (how new documents are written).</summary>
    public static byte[] Transcode(ReadOnlySpan<byte> json)
    {
        ArrayBufferWriter<byte> output = new(json.Length + 16);
        Utf8JsonReader reader = new(json, new JsonReaderOptions { MaxDepth = int.MaxValue });
        List<bool> first = [];
        bool afterName = false;
        byte[]? scratch = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        Separator(output, first, ref afterName);
                        Put(output, reader.TokenType == JsonTokenType.StartObject ? (byte)'{' : (byte)'[');
                        first.Add(true);
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        Put(output, reader.TokenType == JsonTokenType.EndObject ? (byte)'}' : (byte)']');
                        first.RemoveAt(first.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        Separator(output, first, ref afterName);
                        WriteToken(output, ref reader, ref scratch);
                        Put(output, (byte)':');
                        afterName = true;
                        break;
                    case JsonTokenType.String:
                        Separator(output, first, ref afterName);
                        WriteToken(output, ref reader, ref scratch);
                        break;
                    default:
                        // Numbers, true, false and null: their bytes are already what Go writes.
                        Separator(output, first, ref afterName);
                        output.Write(reader.ValueSpan);
                        break;
                }
            }
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }

        return output.WrittenSpan.ToArray();
    }

    private static void Separator(IBufferWriter<byte> output, List<bool> first, ref bool afterName)
    {
        if (afterName)
        {
            afterName = false;
            return;
        }

        if (first.Count > 0)
        {
            if (!first[^1])
            {
                Put(output, (byte)',');
            }

            first[^1] = false;
        }
    }

    private static void WriteToken(IBufferWriter<byte> output, ref Utf8JsonReader reader, ref byte[]? scratch)
    {
        ReadOnlySpan<byte> text = reader.ValueSpan;
        if (reader.ValueIsEscaped)
        {
            if (scratch is null || scratch.Length < text.Length)
            {
                if (scratch is not null)
                {
                    ArrayPool<byte>.Shared.Return(scratch);
                }

                scratch = ArrayPool<byte>.Shared.Rent(Math.Max(256, text.Length));
            }

            int length = reader.CopyString(scratch);
            text = scratch.AsSpan(0, length);
        }

        WriteString(output, text, GoJsonVersion.Go122);
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8, possibly invalid) as a quoted JSON string the way
    /// <paramref name="version"/>'s <c>encoding/json</c> does.</summary>
    public static void WriteString(IBufferWriter<byte> output, ReadOnlySpan<byte> text, GoJsonVersion version)
    {
        Put(output, (byte)'"');
        int i = 0;
        while (i < text.Length)
        {
            byte b = text[i];
            if (b < 0x80)
            {
                if (b >= 0x20 && b is not (byte)'"' and not (byte)'\\' and not (byte)'<' and not (byte)'>' and not (byte)'&')
                {
                    Put(output, b);
                }
                else
                {
                    switch (b)
                    {
                        case (byte)'"' or (byte)'\\':
                            Put(output, (byte)'\\', b);
                            break;
                        case (byte)'\b' when version == GoJsonVersion.Go122:
                            Put(output, (byte)'\\', (byte)'b');
                            break;
                        case (byte)'\f' when version == GoJsonVersion.Go122:
                            Put(output, (byte)'\\', (byte)'f');
                            break;
                        case (byte)'\n':
                            Put(output, (byte)'\\', (byte)'n');
                            break;
                        case (byte)'\r':
                            Put(output, (byte)'\\', (byte)'r');
                            break;
                        case (byte)'\t':
                            Put(output, (byte)'\\', (byte)'t');
                            break;
                        default:
                            Unicode(output, b);
                            break;
                    }
                }

                i++;
                continue;
            }

            OperationStatus status = Rune.DecodeFromUtf8(text[i..], out Rune rune, out int consumed);
            if (status != OperationStatus.Done)
            {
                Unicode(output, 0xFFFD);
            }
            else if (rune.Value is 0x2028 or 0x2029)
            {
                Unicode(output, rune.Value);
            }
            else
            {
                output.Write(text.Slice(i, consumed));
            }

            i += consumed;
        }

        Put(output, (byte)'"');
    }

    private static void Unicode(IBufferWriter<byte> output, int value)
    {
        Span<byte> escape = output.GetSpan(6);
        escape[0] = (byte)'\\';
        escape[1] = (byte)'u';
        escape[2] = Hex[(value >> 12) & 0xF];
        escape[3] = Hex[(value >> 8) & 0xF];
        escape[4] = Hex[(value >> 4) & 0xF];
        escape[5] = Hex[value & 0xF];
        output.Advance(6);
    }

    private static void Put(IBufferWriter<byte> output, byte b)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
    }

    private static void Put(IBufferWriter<byte> output, byte a, byte b)
    {
        Span<byte> span = output.GetSpan(2);
        span[0] = a;
        span[1] = b;
        output.Advance(2);
    }
}

/// <summary>The Go releases whose <c>encoding/json</c> string escaping <see cref="GoJson.WriteString"/> reproduces.</summary>
internal enum GoJsonVersion
{
    /// <summary>Go 1.19, the toolchain of Docker 20.10: backspace and form feed as <c>\u0008</c> and <c>\u000c</c>.
    /// Used where an identity is the hash of what Docker 20.10 marshalled (legacy v1 IDs, commit and import configs).</summary>
    Go119,

    /// <summary>Go 1.22 and later: backspace and form feed as <c>\b</c> and <c>\f</c>. Used for new documents.</summary>
    Go122,
}
