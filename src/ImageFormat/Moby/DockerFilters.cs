using ImageFormat.Errors;

namespace ImageFormat.Moby;

/// <summary>
/// Docker's <c>filters.Args</c> (moby <c>api/types/filters</c>): filter names, each with a set of values, as the
/// client's repeated <c>--filter name=value</c> builds them. Values of one name form a set (a value given twice
/// counts once); names are lower-cased and both sides trimmed, as the Docker client does.
/// </summary>
public sealed class DockerFilters
{
    private readonly SortedDictionary<string, SortedSet<string>> _fields = new(StringComparer.Ordinal);

    /// <summary>The filter names given, in ordinal order.</summary>
    public IEnumerable<string> Names => _fields.Keys;

    /// <summary>Parses <c>--filter</c> values as the Docker client's <c>FilterOpt</c> does: empty values are ignored.</summary>
    /// <param name="values">The <c>name=value</c> texts.</param>
    /// <returns>The filters.</returns>
    /// <exception cref="ArgumentException">A value has no <c>=</c> (Docker's <c>bad format of filter (expected name=value)</c>).</exception>
    public static DockerFilters Parse(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var filters = new DockerFilters();
        foreach (string value in values)
        {
            if (value.Length == 0)
            {
                continue;
            }

            int equals = value.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                throw new ArgumentException("bad format of filter (expected name=value)", nameof(values));
            }

            filters.Add(value[..equals].Trim().ToLowerInvariant(), value[(equals + 1)..].Trim());
        }

        return filters;
    }

    /// <summary>Adds a value to a filter.</summary>
    /// <param name="name">The filter's name.</param>
    /// <param name="value">The value.</param>
    public void Add(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (!_fields.TryGetValue(name, out SortedSet<string>? set))
        {
            _fields[name] = set = new SortedSet<string>(StringComparer.Ordinal);
        }

        set.Add(value);
    }

    /// <summary>Whether the filter was given.</summary>
    /// <param name="name">The filter's name.</param>
    /// <returns><see langword="true"/> when at least one value was given.</returns>
    public bool Contains(string name) => _fields.ContainsKey(name);

    /// <summary>The values of a filter, in ordinal order; empty when not given.</summary>
    /// <param name="name">The filter's name.</param>
    /// <returns>The values.</returns>
    public IReadOnlyCollection<string> Get(string name) => _fields.TryGetValue(name, out SortedSet<string>? set) ? set : [];

    /// <summary>A copy, so that adding to it leaves the caller's filters alone.</summary>
    internal DockerFilters Clone()
    {
        var copy = new DockerFilters();
        foreach ((string name, SortedSet<string> values) in _fields)
        {
            foreach (string value in values)
            {
                copy.Add(name, value);
            }
        }

        return copy;
    }

    /// <summary>Docker's <c>Validate</c>: every name given must be accepted.</summary>
    internal void Validate(params string[] accepted)
    {
        foreach (string name in _fields.Keys)
        {
            if (!accepted.Contains(name, StringComparer.Ordinal))
            {
                throw Invalid($"Invalid filter '{name}'");
            }
        }
    }

    /// <summary>The daemon's <c>invalidFilter{name, values}</c>: <c>Invalid filter 'name=[a b]'</c>.</summary>
    internal ImageFormatException InvalidValue(string name) => Invalid($"Invalid filter '{name}=[{string.Join(' ', Get(name))}]'");

    internal static ImageFormatException Invalid(string message) => new(ErrorCodes.StoreInvalidFilter, message);

    /// <summary>Docker's <c>MatchKVList</c>: every <c>key</c> or <c>key=value</c> of the filter is among the labels.</summary>
    internal bool MatchLabels(string name, IReadOnlyDictionary<string, string>? labels)
    {
        if (!_fields.TryGetValue(name, out SortedSet<string>? wanted) || wanted.Count == 0)
        {
            return true;
        }

        if (labels is not { Count: > 0 })
        {
            return false;
        }

        foreach (string value in wanted)
        {
            string[] pair = value.Split('=', 2);
            if (!labels.TryGetValue(pair[0], out string? actual) || (pair.Length == 2 && pair[1] != actual))
            {
                return false;
            }
        }

        return true;
    }
}
