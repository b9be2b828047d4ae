using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace ImageFormat.Tests.Registry;

/// <summary>
/// A small token server for the registry's token auth (the Docker registry token specification): it checks
/// Basic credentials, grants every scope asked for, and signs an RS256 JWT whose <c>x5c</c> header carries a
/// certificate chained to the CA the registry trusts (<c>rootcertbundle</c>).
/// </summary>
public sealed class TokenServer : IDisposable
{
    public const string Service = "imagefmt-test-registry";
    public const string Issuer = "imagefmt-test-issuer";

    private readonly HttpListener _listener = new();
    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _signer;
    private readonly Task _loop;
    private int _issued;

    public TokenServer()
    {
        _ca = TestCertificates.CreateCa("imagefmt test token CA");
        _signer = TestCertificates.SigningCertificate(_ca, _key);
        int port = TestRegistry.FreePort();
        Realm = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/token";
        _listener.Prefixes.Add($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Realm { get; }

    /// <summary>The CA certificate, as the registry's <c>rootcertbundle</c>.</summary>
    public string RootCertificatePem => _ca.ExportCertificatePem();

    /// <summary>The <c>expires_in</c> the server announces.</summary>
    public int ExpiresIn { get; set; } = 300;

    /// <summary>Every token request: the scopes asked for, and whether the credentials were right.</summary>
    public ConcurrentQueue<(string[] Scopes, bool Authorized)> TokenRequests { get; } = new();

    public int Issued => Volatile.Read(ref _issued);

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _key.Dispose();
        _ca.Dispose();
        _signer.Dispose();
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                Handle(context);
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private void Handle(HttpListenerContext context)
    {
        string[] scopes = context.Request.QueryString.GetValues("scope") ?? [];
        string? header = context.Request.Headers["Authorization"];
        bool authorized = header is not null && header.StartsWith("Basic ", StringComparison.Ordinal)
            && Encoding.UTF8.GetString(Convert.FromBase64String(header[6..])) == $"{TestRegistry.User}:{TestRegistry.Password}";
        TokenRequests.Enqueue((scopes, authorized));
        if (!authorized)
        {
            context.Response.StatusCode = 401;
            return;
        }

        bool expired = Interlocked.Decrement(ref _expiredLeft) >= 0;
        string token = Sign(scopes, expired);
        Interlocked.Increment(ref _issued);
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["token"] = token,
            ["access_token"] = token,
            ["expires_in"] = ExpiresIn,
            ["issued_at"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        });
        context.Response.ContentType = "application/json";
        context.Response.OutputStream.Write(body);
    }

    private int _expiredLeft;

    /// <summary>Makes the next <paramref name="count"/> tokens expired (their <c>exp</c> 5 minutes in the past, beyond the registry's leeway).</summary>
    public void IssueExpired(int count) => Volatile.Write(ref _expiredLeft, count);

    private string Sign(string[] scopes, bool expired)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        long exp = expired ? now - 300 : now + ExpiresIn;
        List<Dictionary<string, object>> access = [];
        foreach (string scope in scopes)
        {
            foreach (string one in scope.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                int first = one.IndexOf(':', StringComparison.Ordinal);
                int last = one.LastIndexOf(':');
                if (first < 0 || last <= first)
                {
                    continue;
                }

                access.Add(new Dictionary<string, object>
                {
                    ["type"] = one[..first],
                    ["name"] = one[(first + 1)..last],
                    ["actions"] = one[(last + 1)..].Split(','),
                });
            }
        }

        string head = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["typ"] = "JWT",
            ["alg"] = "RS256",
            ["x5c"] = new[] { Convert.ToBase64String(_signer.RawData) },
        }));
        string claims = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["sub"] = TestRegistry.User,
            ["aud"] = Service,
            ["exp"] = exp,
            ["nbf"] = expired ? exp - 600 : now - 10,
            ["iat"] = expired ? exp - 600 : now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        }));
        byte[] signature = _key.SignData(Encoding.ASCII.GetBytes(head + "." + claims), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return head + "." + claims + "." + Base64Url(signature);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
