using ImageFormat.Json;

namespace ImageFormat.Model;

/// <summary>Docker's <c>LayerSources</c>: descriptors keyed by digest strings, written with keys sorted.</summary>
internal sealed class DigestKeyedMapConverter : SortedMapConverter<Descriptor>
{
    protected override void ValidateKey(string key) => DigestText.Check(key, "key");
}
