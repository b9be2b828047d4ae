using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Registry;

/// <summary>How a <see cref="TestRegistry"/> authenticates.</summary>
public enum RegistrySetup
{
    /// <summary>Plain HTTP, anonymous.</summary>
    PlainHttp,

    /// <summary>TLS with a certificate signed by a CA made in the test, htpasswd Basic auth.</summary>
    TlsBasic,

    /// <summary>Plain HTTP with token auth from a <see cref="TokenServer"/>.</summary>
    Token,
}

/// <summary>
/// Debian's <c>docker-registry</c> (CNCF Distribution 2.8) started on a free loopback port with temporary storage,
/// its access log captured. Skips the test when the binary is missing.
/// </summary>
public sealed partial class TestRegistry : IDisposable
{
    public const string User = "tester";
    public const string Password = "s3cret-pass";

    private readonly TempDirectory _dir = new();
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();

    private TestRegistry(RegistrySetup setup, TokenServer? tokens)
    {
        string binary = Peers.FindOnPath("docker-registry")
            ?? SkipMissing();
        Setup = setup;
        Port = FreePort();
        Host = "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);
        StringBuilder config = new();
        config.Append(CultureInfo.InvariantCulture, $"""
            version: 0.1
            log:
              level: info
              accesslog:
                disabled: false
            storage:
              filesystem:
                rootdirectory: {_dir.Combine("storage")}
              delete:
                enabled: true
            http:
              addr: {Host}
              secret: imagefmt-test-secret

            """);
        if (setup == RegistrySetup.TlsBasic)
        {
            (Ca, string certPem, string keyPem) = TestCertificates.ServerCertificate();
            File.WriteAllText(_dir.Combine("cert.pem"), certPem);
            File.WriteAllText(_dir.Combine("key.pem"), keyPem);
            File.WriteAllText(_dir.Combine("htpasswd"), $"{User}:{Bcrypt(Password)}\n");
            config.Append(CultureInfo.InvariantCulture, $"""
                  tls:
                    certificate: {_dir.Combine("cert.pem")}
                    key: {_dir.Combine("key.pem")}
                auth:
                  htpasswd:
                    realm: imagefmt-test
                    path: {_dir.Combine("htpasswd")}

                """);
        }
        else if (setup == RegistrySetup.Token)
        {
            File.WriteAllText(_dir.Combine("token-ca.pem"), tokens!.RootCertificatePem);
            config.Append(CultureInfo.InvariantCulture, $"""
                auth:
                  token:
                    realm: {tokens.Realm}
                    service: {TokenServer.Service}
                    issuer: {TokenServer.Issuer}
                    rootcertbundle: {_dir.Combine("token-ca.pem")}

                """);
        }

        File.WriteAllText(_dir.Combine("config.yml"), config.ToString());
        ProcessStartInfo start = new(binary, ["serve", _dir.Combine("config.yml")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _log.Enqueue(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _log.Enqueue(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitUntilListening();
    }

    public RegistrySetup Setup { get; }

    public int Port { get; }

    /// <summary><c>127.0.0.1:PORT</c>.</summary>
    public string Host { get; }

    /// <summary>The CA that signed the TLS certificate (TLS setup only).</summary>
    public X509Certificate2? Ca { get; }

    public static TestRegistry Start(RegistrySetup setup, TokenServer? tokens = null) => new(setup, tokens);

    /// <summary>The requests of the access log so far: method, path with query, status.</summary>
    public IReadOnlyList<(string Method, string Target, int Status)> Requests()
    {
        List<(string, string, int)> result = [];
        foreach (string line in _log)
        {
            Match m = AccessLine().Match(line);
            if (m.Success)
            {
                result.Add((m.Groups[1].Value, m.Groups[2].Value, int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)));
            }
        }

        return result;
    }

    public string Log => string.Join('\n', _log);

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        _dir.Dispose();
    }

    public static int FreePort()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string SkipMissing()
    {
        Assert.Skip("docker-registry (CNCF Distribution 2.8) not found on PATH: `apt-get install docker-registry`, or run `bash .ci/peers.sh` (needs root)");
        return string.Empty;
    }

    private void WaitUntilListening()
    {
        Stopwatch clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"docker-registry exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using TcpClient client = new();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        throw new InvalidOperationException($"docker-registry did not listen on {Host} within 60 s:\n{Log}");
    }

    /// <summary>A bcrypt hash, as the registry's htpasswd needs, from the system's libcrypt (libxcrypt), no package needed.</summary>
    public static string Bcrypt(string password)
    {
        IntPtr setting = CryptGensalt("$2b$", 5, null, 0);
        if (setting == IntPtr.Zero)
        {
            Assert.Skip("libcrypt has no bcrypt ($2b$) support");
        }

        string salt = Marshal.PtrToStringAnsi(setting)!;
        IntPtr hash = Crypt(password, salt);
        string? result = hash == IntPtr.Zero ? null : Marshal.PtrToStringAnsi(hash);
        if (result is null || !result.StartsWith("$2b$", StringComparison.Ordinal))
        {
            Assert.Skip("libcrypt could not make a bcrypt hash");
        }

        return result!;
    }

    [DllImport("libcrypt.so.1", EntryPoint = "crypt_gensalt", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr CryptGensalt(string prefix, nuint count, byte[]? randomBytes, int randomByteCount);

    [DllImport("libcrypt.so.1", EntryPoint = "crypt", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr Crypt(string key, string setting);

    [GeneratedRegex("\"([A-Z]+) (\\S+) HTTP/[0-9.]+\" ([0-9]{3}) ")]
    private static partial Regex AccessLine();
}

/// <summary>Certificates made in the test: a CA and what it signs.</summary>
public static class TestCertificates
{
    public static X509Certificate2 CreateCa(string name)
    {
        using RSA key = RSA.Create(2048);
        CertificateRequest request = new($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        // The CA outlives what it signs by a day: a certificate may not end after its issuer, and the two are made
        // at different moments.
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddDays(2));
    }

    /// <summary>A CA, and a server certificate for 127.0.0.1/localhost it signed (PEM certificate and PKCS#8 key).</summary>
    public static (X509Certificate2 Ca, string CertPem, string KeyPem) ServerCertificate()
    {
        X509Certificate2 ca = CreateCa("imagefmt test CA");
        using RSA key = RSA.Create(2048);
        CertificateRequest request = new("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        SubjectAlternativeNameBuilder san = new();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using X509Certificate2 cert = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));
        return (ca, cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>A certificate (and its key) signed by <paramref name="ca"/>, for signing tokens.</summary>
    public static X509Certificate2 SigningCertificate(X509Certificate2 ca, RSA key)
    {
        CertificateRequest request = new("CN=imagefmt test token signer", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        return request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));
    }
}
