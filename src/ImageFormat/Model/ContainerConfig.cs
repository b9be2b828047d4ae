using System.Text.Json;
using System.Text.Json.Serialization;
using ImageFormat.Json;

namespace ImageFormat.Model;

/// <summary>
/// The defaults for containers run from an image: the <c>config</c> and <c>container_config</c> of an image
/// configuration, with the field names of Docker's <c>container.Config</c> (the OCI <c>config</c> uses a subset).
/// </summary>
/// <remarks>
/// Every field is optional and a <see langword="null"/> one is not written. Fields are serialised in Docker's
/// declaration order (<c>Hostname</c> … <c>Shell</c>), then unknown fields. <see cref="ExposedPorts"/> and
/// <see cref="Volumes"/> are JSON objects whose keys matter and whose values are <c>{}</c>; they are written with
/// keys sorted, as Go writes maps.
/// </remarks>
public sealed record ContainerConfig
{
    /// <summary>The container's host name (<c>Hostname</c>).</summary>
    [JsonPropertyName("Hostname")]
    [JsonPropertyOrder(0)]
    public string? Hostname { get; init; }

    /// <summary>The container's domain name (<c>Domainname</c>).</summary>
    [JsonPropertyName("Domainname")]
    [JsonPropertyOrder(1)]
    public string? Domainname { get; init; }

    /// <summary>The user commands run as (<c>User</c>).</summary>
    [JsonPropertyName("User")]
    [JsonPropertyOrder(2)]
    public string? User { get; init; }

    /// <summary>Whether standard input is attached (<c>AttachStdin</c>).</summary>
    [JsonPropertyName("AttachStdin")]
    [JsonPropertyOrder(3)]
    public bool? AttachStdin { get; init; }

    /// <summary>Whether standard output is attached (<c>AttachStdout</c>).</summary>
    [JsonPropertyName("AttachStdout")]
    [JsonPropertyOrder(4)]
    public bool? AttachStdout { get; init; }

    /// <summary>Whether standard error is attached (<c>AttachStderr</c>).</summary>
    [JsonPropertyName("AttachStderr")]
    [JsonPropertyOrder(5)]
    public bool? AttachStderr { get; init; }

    /// <summary>The exposed ports, such as <c>80/tcp</c> (<c>ExposedPorts</c>, an object of empty objects).</summary>
    [JsonPropertyName("ExposedPorts")]
    [JsonPropertyOrder(6)]
    [JsonConverter(typeof(EmptyObjectSetConverter))]
    public IReadOnlyList<string>? ExposedPorts { get; init; }

    /// <summary>Whether a TTY is allocated (<c>Tty</c>).</summary>
    [JsonPropertyName("Tty")]
    [JsonPropertyOrder(7)]
    public bool? Tty { get; init; }

    /// <summary>Whether standard input stays open (<c>OpenStdin</c>).</summary>
    [JsonPropertyName("OpenStdin")]
    [JsonPropertyOrder(8)]
    public bool? OpenStdin { get; init; }

    /// <summary>Whether standard input closes after the first client detaches (<c>StdinOnce</c>).</summary>
    [JsonPropertyName("StdinOnce")]
    [JsonPropertyOrder(9)]
    public bool? StdinOnce { get; init; }

    /// <summary>Environment variables, <c>NAME=value</c> (<c>Env</c>).</summary>
    [JsonPropertyName("Env")]
    [JsonPropertyOrder(10)]
    public IReadOnlyList<string>? Env { get; init; }

    /// <summary>The default command (<c>Cmd</c>). <see langword="null"/> and empty differ: empty clears an inherited command.</summary>
    [JsonPropertyName("Cmd")]
    [JsonPropertyOrder(11)]
    public IReadOnlyList<string>? Cmd { get; init; }

    /// <summary>The health check (<c>Healthcheck</c>).</summary>
    [JsonPropertyName("Healthcheck")]
    [JsonPropertyOrder(12)]
    public HealthConfig? Healthcheck { get; init; }

    /// <summary>Whether the command is already escaped (<c>ArgsEscaped</c>, Windows).</summary>
    [JsonPropertyName("ArgsEscaped")]
    [JsonPropertyOrder(13)]
    public bool? ArgsEscaped { get; init; }

    /// <summary>The image the container was made from (<c>Image</c>).</summary>
    [JsonPropertyName("Image")]
    [JsonPropertyOrder(14)]
    public string? Image { get; init; }

    /// <summary>Volume mount points (<c>Volumes</c>, an object of empty objects).</summary>
    [JsonPropertyName("Volumes")]
    [JsonPropertyOrder(15)]
    [JsonConverter(typeof(EmptyObjectSetConverter))]
    public IReadOnlyList<string>? Volumes { get; init; }

    /// <summary>The working directory (<c>WorkingDir</c>).</summary>
    [JsonPropertyName("WorkingDir")]
    [JsonPropertyOrder(16)]
    public string? WorkingDir { get; init; }

    /// <summary>The entry point (<c>Entrypoint</c>).</summary>
    [JsonPropertyName("Entrypoint")]
    [JsonPropertyOrder(17)]
    public IReadOnlyList<string>? Entrypoint { get; init; }

    /// <summary>Whether networking is disabled (<c>NetworkDisabled</c>).</summary>
    [JsonPropertyName("NetworkDisabled")]
    [JsonPropertyOrder(18)]
    public bool? NetworkDisabled { get; init; }

    /// <summary>The MAC address (<c>MacAddress</c>).</summary>
    [JsonPropertyName("MacAddress")]
    [JsonPropertyOrder(19)]
    public string? MacAddress { get; init; }

    /// <summary>Instructions run when the image is used as a base (<c>OnBuild</c>).</summary>
    [JsonPropertyName("OnBuild")]
    [JsonPropertyOrder(20)]
    public IReadOnlyList<string>? OnBuild { get; init; }

    /// <summary>Labels (<c>Labels</c>); written with keys sorted by their UTF-8 bytes.</summary>
    [JsonPropertyName("Labels")]
    [JsonPropertyOrder(21)]
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>The signal that stops the container (<c>StopSignal</c>).</summary>
    [JsonPropertyName("StopSignal")]
    [JsonPropertyOrder(22)]
    public string? StopSignal { get; init; }

    /// <summary>Seconds to wait before killing the container (<c>StopTimeout</c>).</summary>
    [JsonPropertyName("StopTimeout")]
    [JsonPropertyOrder(23)]
    public int? StopTimeout { get; init; }

    /// <summary>The shell for the shell form of commands (<c>Shell</c>).</summary>
    [JsonPropertyName("Shell")]
    [JsonPropertyOrder(24)]
    public IReadOnlyList<string>? Shell { get; init; }

    /// <summary>Fields this library does not know, in document order; written back after the known fields.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, JsonElement>? AdditionalFields
    {
        get => ExtensionData;
        init => ExtensionData = Json.ExtensionData.Copy(value);
    }

    [JsonExtensionData]
    [JsonInclude]
    internal Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>A container health check (<c>Healthcheck</c>); durations are in nanoseconds, as Go writes them.</summary>
/// <remarks>Serialised as <c>Test</c>, <c>Interval</c>, <c>Timeout</c>, <c>StartPeriod</c>, <c>StartInterval</c>, <c>Retries</c>, then unknown fields.</remarks>
public sealed record HealthConfig
{
    /// <summary>The test, such as <c>["CMD-SHELL", "curl -f http://localhost/"]</c> or <c>["NONE"]</c> (<c>Test</c>).</summary>
    [JsonPropertyName("Test")]
    [JsonPropertyOrder(0)]
    public IReadOnlyList<string>? Test { get; init; }

    /// <summary>Nanoseconds between checks (<c>Interval</c>).</summary>
    [JsonPropertyName("Interval")]
    [JsonPropertyOrder(1)]
    public long? Interval { get; init; }

    /// <summary>Nanoseconds before a check is considered hung (<c>Timeout</c>).</summary>
    [JsonPropertyName("Timeout")]
    [JsonPropertyOrder(2)]
    public long? Timeout { get; init; }

    /// <summary>Nanoseconds the container gets to start before failures count (<c>StartPeriod</c>).</summary>
    [JsonPropertyName("StartPeriod")]
    [JsonPropertyOrder(3)]
    public long? StartPeriod { get; init; }

    /// <summary>Nanoseconds between checks during the start period (<c>StartInterval</c>).</summary>
    [JsonPropertyName("StartInterval")]
    [JsonPropertyOrder(4)]
    public long? StartInterval { get; init; }

    /// <summary>Consecutive failures before the container is unhealthy (<c>Retries</c>).</summary>
    [JsonPropertyName("Retries")]
    [JsonPropertyOrder(5)]
    public int? Retries { get; init; }

    /// <summary>Fields this library does not know, in document order; written back after the known fields.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, JsonElement>? AdditionalFields
    {
        get => ExtensionData;
        init => ExtensionData = Json.ExtensionData.Copy(value);
    }

    [JsonExtensionData]
    [JsonInclude]
    internal Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
