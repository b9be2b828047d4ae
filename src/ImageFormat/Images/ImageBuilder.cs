using System.Globalization;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Model;

namespace ImageFormat.Images;

/// <summary>
/// Makes a new image on top of any image, as go-containerregistry's <c>mutate</c> package does: append layers,
/// change the config and history, then <see cref="Build"/>. No blob is copied: the new image's layers are the base
/// image's layer objects followed by the appended ones, each opening its own source. Only the config is new
/// (written as <see cref="ImageDocuments"/> writes documents: known fields in order, unknown ones kept).
/// </summary>
/// <remarks>
/// <para>The builder is mutable and not thread-safe; every method returns it for chaining. Building does not
/// consume it.</para>
/// <para>History: each appended layer adds one history entry (the one given, or an empty one) when the base's
/// history describes its layers (as many entries that are not <c>empty_layer</c> as layers, an empty base included),
/// so the result stays consistent; otherwise only entries given explicitly are added.</para>
/// </remarks>
public sealed class ImageBuilder
{
    private readonly IContainerImage? _base;
    private readonly List<IImageLayer> _layers;
    private readonly List<HistoryEntry> _history;
    private readonly bool _historyTracksLayers;
    private ImageConfig _config;
    private ReadOnlyMemory<byte>? _rawConfig;
    private bool _changed;

    private ImageBuilder(IContainerImage? baseImage, ImageConfig config, IEnumerable<IImageLayer> layers)
    {
        _base = baseImage;
        _config = config;
        _layers = [.. layers];
        _history = [.. config.History];
        _historyTracksLayers = _history.Count(h => h.EmptyLayer != true) == _layers.Count;
    }

    /// <summary>The limits used to hash and decompress appended blobs; <see cref="ImageFormatLimits.Default"/> unless set.</summary>
    public ImageFormatLimits Limits { get; init; } = ImageFormatLimits.Default;

    /// <summary>The config as changed so far (its <c>rootfs</c> and <c>history</c> are completed by <see cref="Build"/>).</summary>
    public ImageConfig Config => _config;

    /// <summary>The layers so far, base first.</summary>
    public IReadOnlyList<IImageLayer> Layers => _layers;

    /// <summary>Starts from an image: its config, history and layers.</summary>
    /// <param name="image">The base image, from any source.</param>
    /// <returns>A new builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="ImageFormatException">The base image's documents cannot be read.</exception>
    public static ImageBuilder From(IContainerImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return new ImageBuilder(image, image.Config.Value, image.Layers);
    }

    /// <summary>Starts from nothing (<c>FROM scratch</c>): no layers, no history, a config naming only the platform.</summary>
    /// <param name="os">The OS (<c>linux</c> unless given).</param>
    /// <param name="architecture">The architecture in Go's spelling (<c>amd64</c> unless given).</param>
    /// <param name="variant">The CPU variant, such as <c>v8</c>, or <see langword="null"/>.</param>
    /// <returns>A new builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="os"/> or <paramref name="architecture"/> is empty.</exception>
    public static ImageBuilder FromScratch(string os = "linux", string architecture = "amd64", string? variant = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(os);
        ArgumentException.ThrowIfNullOrEmpty(architecture);
        var config = new ImageConfig { Architecture = architecture, Os = os, Variant = variant, RootFs = new RootFs() };
        return new ImageBuilder(null, config, []) { _changed = true };
    }

    /// <summary>Appends a layer of another image (or any <see cref="IImageLayer"/>), referenced, not copied.</summary>
    /// <param name="layer">The layer.</param>
    /// <param name="history">Its history entry; an empty one when <see langword="null"/> (see the remarks).</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is <see langword="null"/>.</exception>
    public ImageBuilder AppendLayer(IImageLayer layer, HistoryEntry? history = null)
    {
        ArgumentNullException.ThrowIfNull(layer);
        _layers.Add(layer);
        if (history is not null || _historyTracksLayers)
        {
            _history.Add((history ?? new HistoryEntry()) with { EmptyLayer = null });
        }

        _changed = true;
        return this;
    }

    /// <summary>
    /// Appends a layer blob held in memory (a tar, plain or compressed with gzip or zstd), hashed once here; the
    /// memory is referenced, not copied, so the caller must not change it.
    /// </summary>
    /// <param name="blob">The blob.</param>
    /// <param name="history">Its history entry; an empty one when <see langword="null"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="InvalidArchiveException">The blob is compressed with bzip2 or xz, or its compression is corrupt.</exception>
    /// <exception cref="LimitExceededException">It decompresses past <see cref="Limits"/>.</exception>
    public ImageBuilder AppendLayerBytes(ReadOnlyMemory<byte> blob, HistoryEntry? history = null) =>
        AppendLayer(BlobLayer.FromBytes(blob, Limits), history);

    /// <summary>Appends a layer blob from a file (a tar, plain or compressed with gzip or zstd), hashed once here and read from the file when the image is used.</summary>
    /// <param name="path">The file; it must not change while the image is in use.</param>
    /// <param name="history">Its history entry; an empty one when <see langword="null"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="InvalidArchiveException">The blob is compressed with bzip2 or xz, or its compression is corrupt.</exception>
    /// <exception cref="LimitExceededException">It decompresses past <see cref="Limits"/>.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public ImageBuilder AppendLayerFile(string path, HistoryEntry? history = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return AppendLayer(BlobLayer.FromFile(path, Limits), history);
    }

    /// <summary>Adds a history entry for a step that adds no layer (<c>ENV</c>, <c>CMD</c>...); <c>empty_layer</c> is set.</summary>
    /// <param name="entry">The entry.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="entry"/> is <see langword="null"/>.</exception>
    public ImageBuilder AddHistory(HistoryEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        _history.Add(entry with { EmptyLayer = true });
        _changed = true;
        return this;
    }

    /// <summary>Changes the config with a function of the current one (any field; <c>rootfs</c> and <c>history</c> are set by <see cref="Build"/>).</summary>
    /// <param name="change">The change.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="change"/> is <see langword="null"/> or returns <see langword="null"/>.</exception>
    public ImageBuilder UpdateConfig(Func<ImageConfig, ImageConfig> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        ImageConfig changed = change(_config);
        ArgumentNullException.ThrowIfNull(changed, nameof(change));
        _config = changed;
        _changed = true;
        return this;
    }

    /// <summary>Sets an environment variable (<c>ENV name=value</c>), replacing an earlier value of the same name in place.</summary>
    /// <param name="name">The name; not empty, no <c>=</c>.</param>
    /// <param name="value">The value.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or holds <c>=</c>.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is <see langword="null"/>.</exception>
    public ImageBuilder SetEnv(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        if (name.Contains('=', StringComparison.Ordinal))
        {
            throw new ArgumentException("An environment variable name cannot hold '='.", nameof(name));
        }

        string prefix = name + "=";
        List<string> env = [.. _config.Config?.Env ?? []];
        int at = env.FindIndex(e => e.StartsWith(prefix, StringComparison.Ordinal));
        if (at >= 0)
        {
            env[at] = prefix + value;
        }
        else
        {
            env.Add(prefix + value);
        }

        return Container(c => c with { Env = env });
    }

    /// <summary>Sets the command (<c>CMD</c> in exec form); <see langword="null"/> removes it.</summary>
    /// <param name="command">The command and its arguments.</param>
    /// <returns>This builder.</returns>
    public ImageBuilder SetCmd(IReadOnlyList<string>? command) => Container(c => c with { Cmd = command is null ? null : [.. command] });

    /// <summary>Sets the entrypoint (<c>ENTRYPOINT</c> in exec form); <see langword="null"/> removes it.</summary>
    /// <param name="entrypoint">The entrypoint and its arguments.</param>
    /// <returns>This builder.</returns>
    public ImageBuilder SetEntrypoint(IReadOnlyList<string>? entrypoint) => Container(c => c with { Entrypoint = entrypoint is null ? null : [.. entrypoint] });

    /// <summary>Sets a label (<c>LABEL key=value</c>), replacing an earlier value.</summary>
    /// <param name="key">The key; not empty.</param>
    /// <param name="value">The value.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is <see langword="null"/>.</exception>
    public ImageBuilder SetLabel(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        var labels = new Dictionary<string, string>(_config.Config?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal) { [key] = value };
        return Container(c => c with { Labels = labels });
    }

    /// <summary>Sets the user (<c>USER</c>); <see langword="null"/> removes it.</summary>
    /// <param name="user">A user name or ID, optionally with <c>:group</c>.</param>
    /// <returns>This builder.</returns>
    public ImageBuilder SetUser(string? user) => Container(c => c with { User = user });

    /// <summary>Sets the working directory (<c>WORKDIR</c>); <see langword="null"/> removes it.</summary>
    /// <param name="directory">An absolute path.</param>
    /// <returns>This builder.</returns>
    public ImageBuilder SetWorkingDir(string? directory) => Container(c => c with { WorkingDir = directory });

    /// <summary>Adds an exposed port (<c>EXPOSE</c>), such as <c>80/tcp</c>; a port already exposed is kept once.</summary>
    /// <param name="port">The port and protocol; <c>/tcp</c> is added when no protocol is given.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="port"/> is empty.</exception>
    public ImageBuilder AddExposedPort(string port)
    {
        ArgumentException.ThrowIfNullOrEmpty(port);
        string spec = port.Contains('/', StringComparison.Ordinal) ? port : port + "/tcp";
        List<string> ports = [.. _config.Config?.ExposedPorts ?? []];
        if (!ports.Contains(spec, StringComparer.Ordinal))
        {
            ports.Add(spec);
        }

        return Container(c => c with { ExposedPorts = ports });
    }

    /// <summary>Sets the image's creation time (<c>created</c>, RFC 3339 in UTC with Go's nanosecond form).</summary>
    /// <param name="created">The time.</param>
    /// <returns>This builder.</returns>
    public ImageBuilder SetCreated(DateTimeOffset created) => UpdateConfig(c => c with { Created = FormatTime(created) });

    /// <summary>Sets the author (<c>author</c>); <see langword="null"/> removes it.</summary>
    /// <param name="author">The author.</param>
    /// <returns>This builder.</returns>
    public ImageBuilder SetAuthor(string? author) => UpdateConfig(c => c with { Author = author });

    /// <summary>
    /// Uses these exact config bytes instead of the changes made through this builder (for callers that write a
    /// config byte for byte, such as the store's <c>commit</c>). They must list the builder's layers' diffIDs.
    /// </summary>
    /// <param name="config">The config's exact bytes.</param>
    /// <returns>This builder.</returns>
    public ImageBuilder SetRawConfig(ReadOnlyMemory<byte> config)
    {
        _rawConfig = config;
        _changed = true;
        return this;
    }

    /// <summary>
    /// Makes the image: the base image itself when nothing changed; otherwise a config with <c>rootfs.diff_ids</c>
    /// listing every layer and the history as built, over the layers as they are (no blob is read or copied here,
    /// except appended blobs, hashed once when appended), under an OCI manifest derived from them.
    /// </summary>
    /// <returns>The image.</returns>
    /// <exception cref="InvalidDocumentException">Raw config bytes were given that are invalid or do not list the layers' diffIDs.</exception>
    /// <exception cref="LimitExceededException">The config is larger or deeper than <see cref="Limits"/> allow.</exception>
    public IContainerImage Build()
    {
        if (!_changed && _base is not null)
        {
            return _base;
        }

        Digest[] diffIds = [.. _layers.Select(l => l.DiffId)];
        RawDocument<ImageConfig> config;
        if (_rawConfig is { } raw)
        {
            config = ImageDocuments.ParseConfig(raw, "config", Limits);
            if (!config.Value.RootFs.DiffIds.SequenceEqual(diffIds))
            {
                throw new InvalidDocumentException($"config {config.Digest}",
                    $"rootfs.diff_ids lists [{string.Join(", ", config.Value.RootFs.DiffIds)}] but the layers are [{string.Join(", ", diffIds)}]");
            }
        }
        else
        {
            config = RawDocument.Create(_config with { RootFs = _config.RootFs with { DiffIds = diffIds }, History = [.. _history] });
        }

        return new BuiltImage(config, [.. _layers]);
    }

    /// <summary>Go's <c>time.RFC3339Nano</c> in UTC: fractional seconds without trailing zeros.</summary>
    internal static string FormatTime(DateTimeOffset time)
    {
        DateTime utc = time.UtcDateTime;
        string fraction = (utc.Ticks % TimeSpan.TicksPerSecond).ToString("0000000", CultureInfo.InvariantCulture).TrimEnd('0');
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + (fraction.Length > 0 ? "." + fraction : string.Empty) + "Z";
    }

    private ImageBuilder Container(Func<ContainerConfig, ContainerConfig> change) =>
        UpdateConfig(c => c with { Config = change(c.Config ?? new ContainerConfig()) });
}
