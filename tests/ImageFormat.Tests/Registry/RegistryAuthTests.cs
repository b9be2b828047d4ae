using FluentAssertions;
using ImageFormat.Errors;
using ImageFormat.Registry;
using Xunit;

namespace ImageFormat.Tests.Registry;

/// <summary>TLS with a CA made in the test and htpasswd Basic auth.</summary>
public class RegistryTlsBasicTests(TlsRegistryFixture fixture) : IClassFixture<TlsRegistryFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StaticCredentialStore Login(string host, string password) =>
        new([new(host, new RegistryCredential(TestRegistry.User, password))]);

    [Fact]
    public async Task With_the_ca_and_the_right_password_push_and_pull_round_trip()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = new(new RegistryClientOptions
        {
            CaCertificates = [registry.Ca!],
            Credentials = Login(registry.Host, TestRegistry.Password),
        });
        RegistryRepository repo = new(registry.Host, "tls/app");
        TestImage image = TestImage.Create(21, "amd64", 10_000);

        await image.PushAsync(client, repo, "v1");

        (await client.GetManifestAsync(repo, "v1", Ct)).Digest.Should().Be(image.Manifest.Digest);
        registry.Requests().Should().Contain(("PUT", "/v2/tls/app/manifests/v1", 201));
    }

    [Fact]
    public async Task Without_the_ca_the_certificate_is_refused_with_a_typed_tls_error_naming_the_registry()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = new(new RegistryClientOptions { Credentials = Login(registry.Host, TestRegistry.Password), MaxRetries = 0 });

        Func<Task> get = () => client.GetManifestAsync(new RegistryRepository(registry.Host, "tls/none"), "v1", Ct);

        RegistryException e = (await get.Should().ThrowAsync<RegistryException>()).Which;
        e.Code.Should().Be(ErrorCodes.RegistryTlsFailure);
        e.Registry.Should().Be(registry.Host);
        e.Message.Should().StartWith($"{registry.Host}: TLS handshake with https://{registry.Host} failed: ");
    }

    [Fact]
    public async Task With_tls_verification_off_the_registry_answers()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = new(new RegistryClientOptions { TlsVerify = false, Credentials = Login(registry.Host, TestRegistry.Password) });

        Func<Task> get = () => client.GetManifestAsync(new RegistryRepository(registry.Host, "tls/off"), "v1", Ct);

        (await get.Should().ThrowAsync<RegistryException>()).Which.Code.Should().Be(ErrorCodes.RegistryNotFound, "the registry was reached over TLS and authenticated");
    }

    [Fact]
    public async Task A_wrong_password_is_a_typed_unauthorized_error_naming_the_registry()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = new(new RegistryClientOptions { CaCertificates = [registry.Ca!], Credentials = Login(registry.Host, "wrong") });

        Func<Task> get = () => client.GetManifestAsync(new RegistryRepository(registry.Host, "tls/app"), "v1", Ct);

        RegistryException e = (await get.Should().ThrowAsync<RegistryException>()).Which;
        e.Code.Should().Be(ErrorCodes.RegistryUnauthorized);
        e.Message.Should().Be($"{registry.Host}: manifest tls/app:v1: 401 UNAUTHORIZED: authentication required (credentials of \"{TestRegistry.User}\" refused)");
    }

    [Fact]
    public async Task No_credentials_at_all_is_a_typed_unauthorized_error_that_says_to_log_in()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = new(new RegistryClientOptions { CaCertificates = [registry.Ca!] });

        Func<Task> get = () => client.GetManifestAsync(new RegistryRepository(registry.Host, "tls/app"), "v1", Ct);

        RegistryException e = (await get.Should().ThrowAsync<RegistryException>()).Which;
        e.Code.Should().Be(ErrorCodes.RegistryUnauthorized);
        e.Message.Should().EndWith("(no credentials; log in first)");
    }
}

/// <summary>Token auth with a token server written in the tests.</summary>
public class RegistryTokenTests(TokenRegistryFixture fixture) : IClassFixture<TokenRegistryFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StaticCredentialStore Login(string host, string password) =>
        new([new(host, new RegistryCredential(TestRegistry.User, password))]);

    [Fact]
    public async Task Push_and_pull_with_bearer_tokens_and_mount_asks_for_push_and_pull_scopes_together()
    {
        TestRegistry registry = fixture.Registry;
        TokenServer tokens = fixture.Tokens;
        using RegistryClient client = new(new RegistryClientOptions { Credentials = Login(registry.Host, TestRegistry.Password) });
        TestImage image = TestImage.Create(31, "amd64", 20_000);

        await image.PushAsync(client, new RegistryRepository(registry.Host, "token/a"), "v1");
        BlobPushResult[] mounted = await image.PushAsync(client, new RegistryRepository(registry.Host, "token/b"), "v1", mountFrom: "token/a");

        mounted.Should().OnlyContain(r => r == BlobPushResult.Mounted);
        tokens.TokenRequests.Should().Contain(r => r.Scopes.Order().SequenceEqual(new[] { "repository:token/a:pull", "repository:token/b:pull,push" }) && r.Authorized);
        (await client.GetManifestAsync(new RegistryRepository(registry.Host, "token/b"), "v1", Ct)).Digest.Should().Be(image.Manifest.Digest);
    }

    [Fact]
    public async Task A_token_the_registry_finds_expired_is_fetched_again_and_the_request_succeeds()
    {
        TestRegistry registry = fixture.Registry;
        TokenServer tokens = fixture.Tokens;
        using RegistryClient client = new(new RegistryClientOptions { Credentials = Login(registry.Host, TestRegistry.Password) });
        RegistryRepository repo = new(registry.Host, "token/expired");
        TestImage image = TestImage.Create(32, "amd64", 1000);
        await image.PushAsync(client, repo, "v1");
        using RegistryClient fresh = new(new RegistryClientOptions { Credentials = Login(registry.Host, TestRegistry.Password) });
        tokens.IssueExpired(1);
        int before = tokens.Issued;

        RegistryManifest manifest = await fresh.GetManifestAsync(repo, "v1", Ct);

        manifest.Digest.Should().Be(image.Manifest.Digest);
        (tokens.Issued - before).Should().Be(2, "the expired token was refused with 401 and a new one fetched");
    }

    [Fact]
    public async Task A_token_past_its_expires_in_is_refreshed_before_use()
    {
        TestRegistry registry = fixture.Registry;
        TokenServer tokens = fixture.Tokens;
        ShiftedClock clock = new();
        using RegistryClient client = new(new RegistryClientOptions { Credentials = Login(registry.Host, TestRegistry.Password), TimeProvider = clock });
        RegistryRepository repo = new(registry.Host, "token/refresh");
        TestImage image = TestImage.Create(33, "amd64", 1000);
        await image.PushAsync(client, repo, "v1");
        await client.GetManifestAsync(repo, "v1", Ct);
        int before = tokens.Issued;
        await client.GetManifestAsync(repo, "v1", Ct);
        int reused = tokens.Issued - before;

        clock.Shift = TimeSpan.FromSeconds(tokens.ExpiresIn);
        await client.GetManifestAsync(repo, "v1", Ct);

        reused.Should().Be(0, "a valid token is reused");
        (tokens.Issued - before).Should().Be(1, "the token's expires_in has passed");
    }

    [Fact]
    public async Task Wrong_credentials_at_the_token_service_are_a_typed_error_naming_the_registry()
    {
        TestRegistry registry = fixture.Registry;
        TokenServer tokens = fixture.Tokens;
        using RegistryClient client = new(new RegistryClientOptions { Credentials = Login(registry.Host, "wrong") });

        Func<Task> get = () => client.GetManifestAsync(new RegistryRepository(registry.Host, "token/a"), "v1", Ct);

        RegistryException e = (await get.Should().ThrowAsync<RegistryException>()).Which;
        e.Code.Should().Be(ErrorCodes.RegistryUnauthorized);
        e.Message.Should().Be($"{registry.Host}: the token service {tokens.Realm} refused the credentials of \"{TestRegistry.User}\" (401)");
    }
}
