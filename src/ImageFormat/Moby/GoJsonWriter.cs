using System.Buffers;
using System.Globalization;
using System.Text;
using ImageFormat.Json;

namespace ImageFormat.Moby;

/// <summary>
/// Writes JSON the way Go's <c>encoding/json</c> (Go 1.19, the toolchain of Docker 20.10) marshals a struct, for the
/// few places where an identity is the hash of Go-marshalled bytes: compact, fields in the order the caller writes
/// them, strings escaped by <see cref="GoJson.WriteString"/> with <see cref="GoJsonVersion.Go119"/> (Docker 20.10 was
/// built with Go 1.19, so backspace and form feed are <c>\u0008</c> and <c>\u000c</c>, not Go 1.22's <c>\b</c> and
/// <c>\f</c> that <see cref="GoJson.Transcode"/> writes for new documents).
/// </summary>
internal sealed class GoJsonWriter
{
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

    /// <summary>Writes a Go string; a lone surrogate is what Go's decoder turned into U+FFFD, and is written as that
    /// character.</summary>
    public void String(string value) =>
        GoJson.WriteString(_buffer, Encoding.UTF8.GetBytes(value), GoJsonVersion.Go119);

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

    /// <summary>Go's <c>map[string]struct{}</c>: <c>null</c> when nil, else each key with <c>{}</c>, in the set's
    /// order (Go's is <see cref="GoContainerConfig.NewKeySet"/>'s).</summary>
    public void KeySet(IEnumerable<string>? keys)
    {
        if (keys is null)
        {
            Null();
            return;
        }

        bool first = true;
        Byte((byte)'{');
        foreach (string key in keys)
        {
            Key(key, ref first);
            Raw("{}"u8);
        }

        Byte((byte)'}');
    }

    /// <summary>Go's <c>map[string]string</c>: <c>null</c> when nil, else its pairs in the map's order (Go's is
    /// <see cref="GoContainerConfig.NewLabels"/>'s).</summary>
    public void StringMap(IEnumerable<KeyValuePair<string, string>>? map)
    {
        if (map is null)
        {
            Null();
            return;
        }

        bool first = true;
        Byte((byte)'{');
        foreach ((string key, string value) in map)
        {
            Key(key, ref first);
            String(value);
        }

        Byte((byte)'}');
    }
}
