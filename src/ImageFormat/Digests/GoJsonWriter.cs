using System.Buffers;
using System.Globalization;
using System.Text;

namespace ImageFormat.Digests;

/// <summary>
/// Writes JSON the way Go's <c>encoding/json</c> (Go 1.19, the toolchain of Docker 20.10) marshals it, for the
/// few places where an identity is the hash of Go-marshalled bytes: compact, HTML characters escaped as
/// <c>\u003c</c>, <c>\u003e</c>, <c>\u0026</c>, U+2028/U+2029 escaped, other control characters as
/// <c>\u00XX</c> except <c>\n</c>, <c>\r</c>, <c>\t</c>.
/// </summary>
internal sealed class GoJsonWriter
{
    private const string Hex = "0123456789abcdef";

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public void Raw(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    public void Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void Null() => Raw("null"u8);

    public void Bool(bool value) => Raw(value ? "true"u8 : "false"u8);

    public void Number(long value)
    {
        Span<byte> digits = _buffer.GetSpan(20);
        value.TryFormat(digits, out int written, default, CultureInfo.InvariantCulture);
        _buffer.Advance(written);
    }

    /// <summary>Writes <c>"key":</c> after a comma unless <paramref name="first"/>.</summary>
    public void Key(string key, ref bool first)
    {
        if (!first)
        {
            Byte((byte)',');
        }

        first = false;
        String(key);
        Byte((byte)':');
    }

    public void String(string value)
    {
        Byte((byte)'"');
        Span<byte> utf8 = stackalloc byte[4];
        int i = 0;
        while (i < value.Length)
        {
            char c = value[i];
            if (c < 0x80)
            {
                WriteAscii((byte)c);
                i++;
                continue;
            }

            // A lone surrogate is what Go's decoder turns into U+FFFD; it is then written as that character.
            if (Rune.DecodeFromUtf16(value.AsSpan(i), out Rune rune, out int consumed) != OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
                consumed = 1;
            }

            if (rune.Value is 0x2028 or 0x2029)
            {
                Raw(rune.Value == 0x2028 ? "\\u2028"u8 : "\\u2029"u8);
            }
            else
            {
                int n = rune.EncodeToUtf8(utf8);
                Raw(utf8[..n]);
            }

            i += consumed;
        }

        Byte((byte)'"');
    }

    private void WriteAscii(byte b)
    {
        switch (b)
        {
            case (byte)'"':
            case (byte)'\\':
                Byte((byte)'\\');
                Byte(b);
                break;
            case (byte)'\n':
                Raw("\\n"u8);
                break;
            case (byte)'\r':
                Raw("\\r"u8);
                break;
            case (byte)'\t':
                Raw("\\t"u8);
                break;
            case < 0x20 or (byte)'<' or (byte)'>' or (byte)'&':
                Raw("\\u00"u8);
                Byte((byte)Hex[b >> 4]);
                Byte((byte)Hex[b & 0xF]);
                break;
            default:
                Byte(b);
                break;
        }
    }

    /// <summary>Go's <c>[]string</c>: <c>null</c> when nil, else an array of strings.</summary>
    public void StringArray(IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            Null();
            return;
        }

        Byte((byte)'[');
        for (int i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                Byte((byte)',');
            }

            String(values[i]);
        }

        Byte((byte)']');
    }
}
