using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using ImageFormat.Errors;

namespace ImageFormat.Registry;

/// <summary>
/// A client of the OCI Distribution Specification (v1.0/1.1) over HTTP: manifests and indexes, blobs, uploads,
/// tag listing and the catalog, with the Docker registry authentication flows (anonymous, Basic, Bearer tokens from
/// the realm a <c>WWW-Authenticate</c> challenge names), TLS verification choices and retries. Thread-safe: one
/// client serves many concurrent operations and shares connections and tokens between them.
/// </summary>
/// <remarks>
/// <para>Every request is retried after 429, a 5xx or a dropped connection, with exponential backoff
/// (<see cref="RegistryClientOptions.MaxRetries"/>, <see cref="RegistryClientOptions.RetryDelay"/>, a
/// <c>Retry-After</c> header wins). Uploads are retried as a whole (a new upload session).</para>
/// <para>HTTPS is always tried first; plain HTTP only for a registry named in
/// <see cref="RegistryClientOptions.InsecureRegistries"/> or on loopback, when HTTPS fails to connect.</para>
/// </remarks>
public sealed partial class RegistryClient : IDisposable
{
    private const int MaxErrorBodyBytes = 64 * 1024;

    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, Lazy<Task<HostState>>> _hosts = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates a client.</summary>
    /// <param name="options">How to connect and authenticate; the defaults when <see langword="null"/>.</param>
    public RegistryClient(RegistryClientOptions? options = null)
    {
        Options = options ?? new RegistryClientOptions();
        if (Options.MaxRetries < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxRetries cannot be negative.");
        }

        if (Options.MaxParallelTransfers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxParallelTransfers must be at least 1.");
        }

        SocketsHttpHandler handler = new()
        {
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 10,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            UseCookies = false,
        };
        handler.SslOptions.RemoteCertificateValidationCallback = ValidateCertificate;
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(Options.UserAgent);
    }

    /// <summary>The options the client was created with.</summary>
    public RegistryClientOptions Options { get; }

    /// <summary>Closes the client's connections.</summary>
    public void Dispose() => _http.Dispose();

    /// <summary>Whether <paramref name="registry"/> may be reached over plain HTTP: named insecure, or loopback.</summary>
    /// <param name="registry">The registry host with its optional port.</param>
    /// <returns>Whether plain HTTP is allowed.</returns>
    public bool AllowsPlainHttp(string registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return IsNamedInsecure(registry) || IsLoopback(HostPart(registry));
    }

    private bool IsNamedInsecure(string registry) =>
        Options.InsecureRegistries.Any(r => string.Equals(r, registry, StringComparison.OrdinalIgnoreCase)
            || string.Equals(r, HostPart(registry), StringComparison.OrdinalIgnoreCase));

    internal static string HostPart(string registry)
    {
        if (registry.StartsWith('['))
        {
            int close = registry.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? registry[1..close] : registry;
        }

        int colon = registry.LastIndexOf(':');
        return colon >= 0 ? registry[..colon] : registry;
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host, out IPAddress? address) && IPAddress.IsLoopback(address));

    private bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        string target = sender is SslStream ssl ? ssl.TargetHostName : string.Empty;
        if (!Options.TlsVerify || (target.Length > 0 && IsNamedInsecure(target)))
        {
            return true;
        }

        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || Options.CaCertificates is not { Count: > 0 } cas || certificate is null)
        {
            return false;
        }

        using X509Chain custom = new();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(cas);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            for (int i = 1; i < chain.ChainElements.Count; i++)
            {
                custom.ChainPolicy.ExtraStore.Add(chain.ChainElements[i].Certificate);
            }
        }

        using X509Certificate2 leaf = new(certificate);
        return custom.Build(leaf);
    }

    /// <summary>What the client knows about one registry: where it answers and how it authenticates.</summary>
    internal sealed class HostState
    {
        public required string Registry { get; init; }

        public required Uri BaseUri { get; init; }

        public AuthChallenge? Challenge { get; set; }

        public RegistryCredential? Credential { get; set; }

        public bool CredentialLoaded { get; set; }

        public ConcurrentDictionary<string, CachedToken> Tokens { get; } = new(StringComparer.Ordinal);

        public SemaphoreSlim TokenLock { get; } = new(1, 1);
    }

    internal sealed record CachedToken(string Token, DateTimeOffset ExpiresAt);

    private Task<HostState> GetHostAsync(RegistryRepository repository, CancellationToken cancellationToken) =>
        GetHostAsync(repository.Registry, repository.Endpoint, cancellationToken);

    private async Task<HostState> GetHostAsync(string registry, string endpoint, CancellationToken cancellationToken)
    {
        Lazy<Task<HostState>> lazy = _hosts.GetOrAdd(registry, _ => new Lazy<Task<HostState>>(() => ProbeAsync(registry, endpoint, CancellationToken.None)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            // A failed probe is not remembered: the next operation probes again.
            _hosts.TryRemove(new KeyValuePair<string, Lazy<Task<HostState>>>(registry, lazy));
            throw;
        }
    }

    /// <summary>Finds the scheme a registry answers on with <c>GET /v2/</c> (the API version check) and its challenge.</summary>
    private async Task<HostState> ProbeAsync(string registry, string endpoint, CancellationToken cancellationToken)
    {
        Uri https = new("https://" + endpoint + "/");
        try
        {
            return await PingAsync(registry, https, cancellationToken).ConfigureAwait(false);
        }
        catch (RegistryException e) when (e.Code is ErrorCodes.RegistryUnavailable or ErrorCodes.RegistryTlsFailure && AllowsPlainHttp(registry))
        {
            try
            {
                return await PingAsync(registry, new Uri("http://" + endpoint + "/"), cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException) when (e.Code == ErrorCodes.RegistryTlsFailure)
            {
                // A TLS registry answers plain HTTP with an error: the certificate problem is the one to report.
                throw e;
            }
        }
    }

    private async Task<HostState> PingAsync(string registry, Uri baseUri, CancellationToken cancellationToken)
    {
        HostState state = new() { Registry = registry, BaseUri = baseUri };
        using HttpResponseMessage response = await SendRawAsync(
            state, () => new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, "v2/")), retry: true, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            state.Challenge = PickChallenge(response);
        }
        else if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(state, response, "GET /v2/").ConfigureAwait(false);
        }

        return state;
    }

    private static AuthChallenge? PickChallenge(HttpResponseMessage response)
    {
        List<AuthChallenge> all = [];
        foreach (AuthenticationHeaderValue value in response.Headers.WwwAuthenticate)
        {
            all.AddRange(AuthChallenge.Parse(value.Parameter is null ? value.Scheme : value.Scheme + " " + value.Parameter));
        }

        return all.FirstOrDefault(c => c.IsBearer) ?? all.FirstOrDefault(c => c.IsBasic);
    }

    /// <summary>
    /// Sends one request with authentication and retries. The request is built anew for each attempt by
    /// <paramref name="build"/> (a relative URI is resolved against the registry). A 401 is answered once: the
    /// challenge is read, a token fetched for <paramref name="scopes"/> (plus the challenge's own scope), and the
    /// request sent again. The caller owns the response, whatever its status.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(
        HostState host,
        Func<Uri, HttpRequestMessage> build,
        IReadOnlyList<string> scopes,
        bool retry,
        HttpCompletionOption completion,
        CancellationToken cancellationToken,
        bool replayable = true)
    {
        bool refreshed = false;
        while (true)
        {
            string? authorization = await AuthorizationAsync(host, scopes, forceRefresh: false, cancellationToken).ConfigureAwait(false);
            HttpResponseMessage response = await SendRawAsync(
                host,
                () =>
                {
                    HttpRequestMessage request = build(host.BaseUri);
                    if (authorization is not null && request.RequestUri is { } uri && (!uri.IsAbsoluteUri || uri.Authority == host.BaseUri.Authority))
                    {
                        request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
                    }

                    return request;
                },
                retry,
                completion,
                cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Unauthorized || refreshed)
            {
                return response;
            }

            if (!replayable)
            {
                // The body was consumed: forget the token so that the caller's next attempt fetches a new one.
                host.Tokens.TryRemove(ScopeKey(scopes), out _);
                return response;
            }

            // 401: learn the challenge (it may name a scope we did not ask for), drop the token we sent, try once more.
            AuthChallenge? challenge = PickChallenge(response);
            if (challenge is null)
            {
                return response;
            }

            host.Challenge = challenge;
            if (challenge.IsBearer && challenge["scope"] is { Length: > 0 } extra && !scopes.Contains(extra))
            {
                scopes = [.. scopes, extra];
            }

            host.Tokens.TryRemove(ScopeKey(scopes), out _);
            response.Dispose();
            refreshed = true;
            await AuthorizationAsync(host, scopes, forceRefresh: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a request with retries on 429, 5xx and transport failures; maps transport failures to <see cref="RegistryException"/>.</summary>
    private async Task<HttpResponseMessage> SendRawAsync(
        HostState host,
        Func<HttpRequestMessage> build,
        bool retry,
        HttpCompletionOption completion,
        CancellationToken cancellationToken)
    {
        int attempt = 0;
        while (true)
        {
            using HttpRequestMessage request = build();
            HttpResponseMessage? response = null;
            Exception? failure = null;
            try
            {
                response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (IsTls(e))
            {
                throw new RegistryException(
                    ErrorCodes.RegistryTlsFailure,
                    host.Registry,
                    $"TLS handshake with {request.RequestUri?.GetLeftPart(UriPartial.Authority)} failed: {Innermost(e).Message}; trust its CA (a CA certificate) or turn TLS verification off for it",
                    innerException: e);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                failure = e;
            }

            bool transientStatus = response is not null && (response.StatusCode == HttpStatusCode.TooManyRequests
                || ((int)response.StatusCode >= 500 && response.StatusCode != HttpStatusCode.NotImplemented));
            if (failure is null && !transientStatus)
            {
                return response!;
            }

            if (!retry || attempt >= Options.MaxRetries)
            {
                if (response is not null)
                {
                    return response;
                }

                throw new RegistryException(
                    ErrorCodes.RegistryUnavailable,
                    host.Registry,
                    $"{request.Method} {request.RequestUri?.AbsolutePath}: {Innermost(failure!).Message} (after {attempt + 1} attempt(s))",
                    innerException: failure);
            }

            TimeSpan delay = RetryDelay(attempt, response);
            response?.Dispose();
            attempt++;
            await Task.Delay(delay, Options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    internal TimeSpan RetryDelay(int attempt, HttpResponseMessage? response)
    {
        TimeSpan delay = Options.RetryDelay * Math.Pow(2, Math.Min(attempt, 10));
        if (response?.Headers.RetryAfter is { } after)
        {
            TimeSpan? hinted = after.Delta ?? (after.Date - Options.TimeProvider.GetUtcNow());
            if (hinted is { } h && h > TimeSpan.Zero)
            {
                delay = h;
            }
        }

        return delay > TimeSpan.FromSeconds(60) ? TimeSpan.FromSeconds(60) : delay;
    }

    internal static bool IsTransient(Exception e, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        HttpRequestException h => !IsTls(h),
        IOException => true,
        SocketException => true,
        _ => false,
    };

    private static bool IsTls(HttpRequestException e) =>
        e.InnerException is AuthenticationException || e.HttpRequestError == HttpRequestError.SecureConnectionError;

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    private static string ScopeKey(IReadOnlyList<string> scopes) => string.Join(' ', scopes.Order(StringComparer.Ordinal));

    /// <summary>The <c>Authorization</c> header value for a request needing <paramref name="scopes"/>, or <see langword="null"/>.</summary>
    private async Task<string?> AuthorizationAsync(HostState host, IReadOnlyList<string> scopes, bool forceRefresh, CancellationToken cancellationToken)
    {
        AuthChallenge? challenge = host.Challenge;
        if (challenge is null)
        {
            return null;
        }

        RegistryCredential? credential = await CredentialAsync(host, cancellationToken).ConfigureAwait(false);
        if (challenge.IsBasic)
        {
            if (credential is null || credential.IsIdentityToken)
            {
                return null;
            }

            return "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.Username + ":" + credential.Secret));
        }

        if (!challenge.IsBearer)
        {
            return null;
        }

        string key = ScopeKey(scopes);
        DateTimeOffset now = Options.TimeProvider.GetUtcNow();
        if (!forceRefresh && host.Tokens.TryGetValue(key, out CachedToken? cached) && cached.ExpiresAt > now)
        {
            return "Bearer " + cached.Token;
        }

        await host.TokenLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            now = Options.TimeProvider.GetUtcNow();
            if (!forceRefresh && host.Tokens.TryGetValue(key, out cached) && cached.ExpiresAt > now)
            {
                return "Bearer " + cached.Token;
            }

            CachedToken token = await FetchTokenAsync(host, challenge, credential, scopes, cancellationToken).ConfigureAwait(false);
            host.Tokens[key] = token;
            return "Bearer " + token.Token;
        }
        finally
        {
            host.TokenLock.Release();
        }
    }

    private async Task<RegistryCredential?> CredentialAsync(HostState host, CancellationToken cancellationToken)
    {
        if (!host.CredentialLoaded)
        {
            host.Credential = Options.Credentials is null ? null : await Options.Credentials.GetAsync(host.Registry, cancellationToken).ConfigureAwait(false);
            host.CredentialLoaded = true;
        }

        return host.Credential;
    }

    /// <summary>
    /// Fetches a token from the challenge's realm (the Docker registry token flow): <c>GET realm?service=…&amp;scope=…</c>
    /// with Basic credentials when there are some, or, with an identity token, the OAuth2 <c>POST</c> with
    /// <c>grant_type=refresh_token</c>. The token is kept until its <c>expires_in</c> (60 s when absent, as the
    /// specification says) less a margin of 10 %.
    /// </summary>
    private async Task<CachedToken> FetchTokenAsync(HostState host, AuthChallenge challenge, RegistryCredential? credential, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        string? realm = challenge["realm"];
        if (string.IsNullOrEmpty(realm) || !Uri.TryCreate(realm, UriKind.Absolute, out Uri? realmUri) || realmUri.Scheme is not ("http" or "https"))
        {
            throw new RegistryException(ErrorCodes.RegistryProtocolError, host.Registry, $"the Bearer challenge names no usable realm (\"{realm}\")");
        }

        string? service = challenge["service"];
        Func<HttpRequestMessage> build;
        if (credential is { IsIdentityToken: true })
        {
            build = () =>
            {
                List<KeyValuePair<string, string>> form = [new("grant_type", "refresh_token"), new("refresh_token", credential.Secret), new("client_id", "imagefmt")];
                if (service is not null)
                {
                    form.Add(new("service", service));
                }

                form.Add(new("scope", string.Join(' ', scopes)));
                return new HttpRequestMessage(HttpMethod.Post, realmUri) { Content = new FormUrlEncodedContent(form) };
            };
        }
        else
        {
            StringBuilder query = new(realmUri.Query.Length > 1 ? realmUri.Query[1..] : string.Empty);
            if (service is not null)
            {
                query.Append(query.Length > 0 ? "&" : string.Empty).Append("service=").Append(Uri.EscapeDataString(service));
            }

            foreach (string scope in scopes)
            {
                query.Append(query.Length > 0 ? "&" : string.Empty).Append("scope=").Append(Uri.EscapeDataString(scope));
            }

            Uri tokenUri = new UriBuilder(realmUri) { Query = query.ToString() }.Uri;
            build = () =>
            {
                HttpRequestMessage request = new(HttpMethod.Get, tokenUri);
                if (credential is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue(
                        "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.Username + ":" + credential.Secret)));
                }

                return request;
            };
        }

        using HttpResponseMessage response = await SendRawAsync(host, build, retry: true, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new RegistryException(
                ErrorCodes.RegistryUnauthorized,
                host.Registry,
                credential is null
                    ? $"authentication required: the token service {realmUri.GetLeftPart(UriPartial.Path)} refused anonymous access ({(int)response.StatusCode}); log in first"
                    : $"the token service {realmUri.GetLeftPart(UriPartial.Path)} refused the credentials of \"{credential.Username}\" ({(int)response.StatusCode})",
                response.StatusCode);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(host, response, "token request to " + realmUri.GetLeftPart(UriPartial.Path)).ConfigureAwait(false);
        }

        byte[] body = await ReadLimitedAsync(host, response, Options.Limits.MaxJsonBytes, "token response", cancellationToken).ConfigureAwait(false);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(body);
            JsonElement root = doc.RootElement;
            string? token = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("token", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (string.IsNullOrEmpty(token) && root.ValueKind == JsonValueKind.Object && root.TryGetProperty("access_token", out JsonElement a) && a.ValueKind == JsonValueKind.String)
            {
                token = a.GetString();
            }

            if (string.IsNullOrEmpty(token))
            {
                throw new RegistryException(ErrorCodes.RegistryProtocolError, host.Registry, "the token response has neither \"token\" nor \"access_token\"");
            }

            int expiresIn = root.TryGetProperty("expires_in", out JsonElement e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int seconds) && seconds > 0 ? seconds : 60;
            DateTimeOffset now = Options.TimeProvider.GetUtcNow();
            return new CachedToken(token, now + TimeSpan.FromSeconds(expiresIn * 0.9));
        }
        catch (JsonException e)
        {
            throw new RegistryException(ErrorCodes.RegistryProtocolError, host.Registry, "the token response is not JSON", innerException: e);
        }
    }

    private static async Task<byte[]> ReadLimitedAsync(HostState host, HttpResponseMessage response, long limit, string what, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is long declared && declared > limit)
        {
            throw new LimitExceededException($"{host.Registry}: {what}", nameof(ImageFormatLimits.MaxJsonBytes), limit, declared);
        }

        Stream stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using MemoryStream buffer = new();
            byte[] chunk = new byte[16 * 1024];
            int n;
            while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + n > limit)
                {
                    throw new LimitExceededException($"{host.Registry}: {what}", nameof(ImageFormatLimits.MaxJsonBytes), limit, buffer.Length + n);
                }

                buffer.Write(chunk, 0, n);
            }

            return buffer.ToArray();
        }
    }

    /// <summary>Turns an error response into a <see cref="RegistryException"/> carrying the distribution error code and message.</summary>
    private static async Task<RegistryException> ErrorAsync(HostState host, HttpResponseMessage response, string what)
    {
        string? code = null;
        string? message = null;
        try
        {
            byte[] body = await ReadLimitedAsync(host, response, MaxErrorBodyBytes, "error body", CancellationToken.None).ConfigureAwait(false);
            if (body.Length > 0)
            {
                using JsonDocument doc = JsonDocument.Parse(body);
                if (doc.RootElement.ValueKind == JsonValueKind.Object
                    && doc.RootElement.TryGetProperty("errors", out JsonElement errors)
                    && errors.ValueKind == JsonValueKind.Array
                    && errors.GetArrayLength() > 0
                    && errors[0].ValueKind == JsonValueKind.Object)
                {
                    JsonElement first = errors[0];
                    code = first.TryGetProperty("code", out JsonElement c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                    message = first.TryGetProperty("message", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                }
            }
        }
        catch (Exception e) when (e is JsonException or IOException or HttpRequestException or LimitExceededException)
        {
            // The body is only decoration of the status; a bad one does not hide the status.
        }

        int status = (int)response.StatusCode;
        string detail = code is null
            ? $"{what}: {status} {response.ReasonPhrase}"
            : $"{what}: {status} {code}: {message}";
        string errorCode = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ErrorCodes.RegistryUnauthorized,
            HttpStatusCode.NotFound => ErrorCodes.RegistryNotFound,
            _ when status >= 500 || status == 429 => ErrorCodes.RegistryUnavailable,
            _ => ErrorCodes.RegistryError,
        };
        if (errorCode == ErrorCodes.RegistryUnauthorized)
        {
            detail += host.Credential is null ? " (no credentials; log in first)" : $" (credentials of \"{host.Credential.Username}\" refused)";
        }

        return new RegistryException(errorCode, host.Registry, detail, response.StatusCode, code);
    }

    private static string Scope(string repository, bool push) =>
        string.Create(CultureInfo.InvariantCulture, $"repository:{repository}:{(push ? "pull,push" : "pull")}");

    private static Uri Resolve(Uri baseUri, string relative) => new(baseUri, relative);
}
