using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImageFormat.Errors;

namespace ImageFormat.Registry;

/// <summary>
/// Docker's client configuration file (<c>$DOCKER_CONFIG/config.json</c>, else <c>~/.docker/config.json</c>) as a
/// credential store, read and written as the Docker CLI 20.10 does: <c>credHelpers</c> names a
/// <c>docker-credential-NAME</c> helper per registry, else <c>credsStore</c> one helper for all, else <c>auths</c>
/// holds <c>base64(user:password)</c> (or an <c>identitytoken</c>) by registry. Helpers speak the
/// docker-credential-helpers protocol: <c>get</c>, <c>store</c> and <c>erase</c> with the server URL or a JSON
/// <c>{ServerURL, Username, Secret}</c> on standard input.
/// </summary>
/// <remarks>Docker Hub's key is <c>https://index.docker.io/v1/</c>; any other registry's is its <c>host[:port]</c>.
/// <see cref="StoreAsync"/> and <see cref="EraseAsync"/> keep every other field of the file as it was.</remarks>
public sealed class DockerConfigCredentialStore : IRegistryCredentialStore
{
    /// <summary>The key Docker files Docker Hub's credentials under.</summary>
    public const string DockerHubKey = "https://index.docker.io/v1/";

    /// <summary>Opens the configuration file at <paramref name="path"/> (it need not exist).</summary>
    /// <param name="path">The <c>config.json</c> path.</param>
    public DockerConfigCredentialStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
    }

    /// <summary>The configuration file.</summary>
    public string Path { get; }

    /// <summary>The file Docker uses: <c>$DOCKER_CONFIG/config.json</c>, else <c>~/.docker/config.json</c>.</summary>
    /// <returns>The store on that file.</returns>
    public static DockerConfigCredentialStore Default()
    {
        string? dir = Environment.GetEnvironmentVariable("DOCKER_CONFIG");
        if (string.IsNullOrEmpty(dir))
        {
            dir = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");
        }

        return new DockerConfigCredentialStore(System.IO.Path.Combine(dir, "config.json"));
    }

    /// <summary>The key a registry's credentials are filed under: <see cref="DockerHubKey"/> for Docker Hub, else the host.</summary>
    /// <param name="registry">The registry host (<c>docker.io</c>, <c>localhost:5000</c>).</param>
    /// <returns>The key.</returns>
    public static string KeyOf(string registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        string host = HostOf(registry);
        return host is "docker.io" or "index.docker.io" or "registry-1.docker.io" ? DockerHubKey : host;
    }

    /// <inheritdoc />
    public async ValueTask<RegistryCredential?> GetAsync(string registry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        JsonObject config = Load();
        string key = KeyOf(registry);
        string? helper = HelperFor(config, key);
        if (helper is not null)
        {
            return await RunHelperGetAsync(helper, key, cancellationToken).ConfigureAwait(false);
        }

        if (config["auths"] is not JsonObject auths)
        {
            return null;
        }

        foreach ((string name, JsonNode? value) in auths)
        {
            if (!string.Equals(HostOf(name), HostOf(key), StringComparison.OrdinalIgnoreCase) && name != key)
            {
                continue;
            }

            if (value is not JsonObject entry)
            {
                throw Invalid($"auths[\"{name}\"] is not an object");
            }

            string? token = Text(entry, "identitytoken");
            string? user = Text(entry, "username");
            string? password = Text(entry, "password");
            string? auth = Text(entry, "auth");
            if (!string.IsNullOrEmpty(auth))
            {
                (user, password) = DecodeAuth(name, auth);
            }

            if (!string.IsNullOrEmpty(token))
            {
                return new RegistryCredential(user ?? string.Empty, token, IsIdentityToken: true);
            }

            if (!string.IsNullOrEmpty(user) || !string.IsNullOrEmpty(password))
            {
                return new RegistryCredential(user ?? string.Empty, password ?? string.Empty);
            }
        }

        return null;
    }

    /// <summary>
    /// Saves a credential as <c>docker login</c> does: through the registry's helper when one is configured, else as
    /// <c>auths[KEY].auth</c> in the file (created with mode 0600 when missing).
    /// </summary>
    /// <param name="registry">The registry host.</param>
    /// <param name="credential">The credential.</param>
    /// <param name="cancellationToken">Cancels the helper.</param>
    /// <returns>A task.</returns>
    public async Task StoreAsync(string registry, RegistryCredential credential, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(credential);
        JsonObject config = Load();
        string key = KeyOf(registry);
        string? helper = HelperFor(config, key);
        if (helper is not null)
        {
            string username = credential.IsIdentityToken ? "<token>" : credential.Username;
            string input = JsonSerializeHelperInput(key, username, credential.Secret);
            await RunHelperAsync(helper, "store", input, key, cancellationToken).ConfigureAwait(false);
            if (config["auths"] is not JsonObject helperAuths)
            {
                config["auths"] = helperAuths = [];
            }

            helperAuths[key] = new JsonObject();
        }
        else
        {
            if (config["auths"] is not JsonObject auths)
            {
                config["auths"] = auths = [];
            }

            JsonObject entry = new() { ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(
                (credential.IsIdentityToken ? string.Empty : credential.Username) + ":" + (credential.IsIdentityToken ? string.Empty : credential.Secret))) };
            if (credential.IsIdentityToken)
            {
                entry["identitytoken"] = credential.Secret;
            }

            auths[key] = entry;
        }

        Save(config);
    }

    /// <summary>Removes a registry's credential as <c>docker logout</c> does (helper <c>erase</c> and the <c>auths</c> entry).</summary>
    /// <param name="registry">The registry host.</param>
    /// <param name="cancellationToken">Cancels the helper.</param>
    /// <returns>Whether there was a credential to remove.</returns>
    public async Task<bool> EraseAsync(string registry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        JsonObject config = Load();
        string key = KeyOf(registry);
        bool removed = false;
        string? helper = HelperFor(config, key);
        if (helper is not null)
        {
            removed = await GetAsync(registry, cancellationToken).ConfigureAwait(false) is not null;
            if (removed)
            {
                await RunHelperAsync(helper, "erase", key, key, cancellationToken).ConfigureAwait(false);
            }
        }

        if (config["auths"] is JsonObject auths && auths.Remove(key))
        {
            removed = true;
            Save(config);
        }

        return removed;
    }

    private static string HostOf(string serverAddress)
    {
        string s = serverAddress;
        int scheme = s.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            s = s[(scheme + 3)..];
        }

        int slash = s.IndexOf('/', StringComparison.Ordinal);
        return slash >= 0 ? s[..slash] : s;
    }

    private static string? HelperFor(JsonObject config, string key)
    {
        if (config["credHelpers"] is JsonObject helpers)
        {
            foreach ((string name, JsonNode? value) in helpers)
            {
                if (string.Equals(HostOf(name), HostOf(key), StringComparison.OrdinalIgnoreCase) && value is JsonValue v && v.TryGetValue(out string? helper) && helper.Length > 0)
                {
                    return helper;
                }
            }
        }

        return Text(config, "credsStore") is { Length: > 0 } store ? store : null;
    }

    private static string? Text(JsonObject o, string name) =>
        o[name] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private (string User, string Password) DecodeAuth(string name, string auth)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(auth);
        }
        catch (FormatException e)
        {
            throw Invalid($"auths[\"{name}\"].auth is not base64", e);
        }

        string text = Encoding.UTF8.GetString(bytes);
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? throw Invalid($"auths[\"{name}\"].auth is not base64 of \"user:password\"")
            : (text[..colon], text[(colon + 1)..]);
    }

    private JsonObject Load()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }

        if (bytes.Length == 0)
        {
            return [];
        }

        try
        {
            return JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) as JsonObject
                ?? throw Invalid("the document is not a JSON object");
        }
        catch (JsonException e)
        {
            throw Invalid("malformed JSON: " + e.Message, e);
        }
    }

    private void Save(JsonObject config)
    {
        string? dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        string temp = Path + ".tmp-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        FileStreamOptions options = new() { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (FileStream file = new(temp, options))
        {
            using (Utf8JsonWriter writer = new(file, new JsonWriterOptions { Indented = true, IndentCharacter = '\t', IndentSize = 1 }))
            {
                config.WriteTo(writer);
            }

            file.Flush(flushToDisk: true);
        }

        File.Move(temp, Path, overwrite: true);
    }

    private RegistryException Invalid(string reason, Exception? inner = null) =>
        new(ErrorCodes.DockerConfigInvalid, Path, reason, innerException: inner);

    private static string JsonSerializeHelperInput(string serverUrl, string username, string secret)
    {
        using MemoryStream buffer = new();
        using (Utf8JsonWriter writer = new(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("ServerURL", serverUrl);
            writer.WriteString("Username", username);
            writer.WriteString("Secret", secret);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static async Task<RegistryCredential?> RunHelperGetAsync(string helper, string key, CancellationToken cancellationToken)
    {
        (int exit, string output) = await RunHelperProcessAsync(helper, "get", key, key, cancellationToken).ConfigureAwait(false);
        if (exit != 0)
        {
            // The helpers' ErrCredentialsNotFound text: no credential for this server, which is anonymous access.
            if (output.Contains("credentials not found", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            throw new RegistryException(ErrorCodes.CredentialHelperFailed, key, $"docker-credential-{helper} get failed (exit {exit}): {output.Trim()}");
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(output);
            string user = doc.RootElement.TryGetProperty("Username", out JsonElement u) && u.ValueKind == JsonValueKind.String ? u.GetString()! : string.Empty;
            string secret = doc.RootElement.TryGetProperty("Secret", out JsonElement s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : string.Empty;
            return user == "<token>"
                ? new RegistryCredential(string.Empty, secret, IsIdentityToken: true)
                : new RegistryCredential(user, secret);
        }
        catch (JsonException e)
        {
            throw new RegistryException(ErrorCodes.CredentialHelperFailed, key, $"docker-credential-{helper} get answered something that is not JSON", innerException: e);
        }
    }

    private static async Task RunHelperAsync(string helper, string verb, string input, string key, CancellationToken cancellationToken)
    {
        (int exit, string output) = await RunHelperProcessAsync(helper, verb, input, key, cancellationToken).ConfigureAwait(false);
        if (exit != 0)
        {
            throw new RegistryException(ErrorCodes.CredentialHelperFailed, key, $"docker-credential-{helper} {verb} failed (exit {exit}): {output.Trim()}");
        }
    }

    private static async Task<(int Exit, string Output)> RunHelperProcessAsync(string helper, string verb, string input, string key, CancellationToken cancellationToken)
    {
        ProcessStartInfo start = new("docker-credential-" + helper, verb)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new RegistryException(ErrorCodes.CredentialHelperFailed, key, $"docker-credential-{helper} cannot be run: {e.Message}", innerException: e);
        }

        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            Task<string> stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken).ConfigureAwait(false);
            process.StandardInput.Close();
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            string output = await stdout.ConfigureAwait(false);
            string error = await stderr.ConfigureAwait(false);
            return (process.ExitCode, process.ExitCode == 0 ? output : output + error);
        }
    }
}
