using System.Net;
using FluentAssertions;
using ImageFormat.Errors;
using ImageFormat.Registry;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Registry;

/// <summary>The parts of the protocol that need no registry: challenges, links, Docker's config file.</summary>
public class RegistryProtocolTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void A_bearer_challenge_yields_realm_service_and_scope_unquoted()
    {
        List<AuthChallenge> challenges = AuthChallenge.Parse(
            "Bearer realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:team/app:pull,push\",error=\"invalid_token\"");

        challenges.Should().ContainSingle();
        AuthChallenge c = challenges[0];
        c.IsBearer.Should().BeTrue();
        c["realm"].Should().Be("https://auth.example/token");
        c["service"].Should().Be("registry.example");
        c["scope"].Should().Be("repository:team/app:pull,push");
        c["error"].Should().Be("invalid_token");
    }

    [Fact]
    public void Two_challenges_in_one_header_are_both_read_with_escaped_quotes()
    {
        List<AuthChallenge> challenges = AuthChallenge.Parse("Basic realm=\"say \\\"hi\\\"\", Bearer realm=\"https://a/t\",service=s");

        challenges.Select(c => c.Scheme).Should().Equal("Basic", "Bearer");
        challenges[0]["realm"].Should().Be("say \"hi\"");
        challenges[1]["service"].Should().Be("s");
    }

    [Fact]
    public void The_next_link_is_resolved_against_the_page()
    {
        using HttpResponseMessage response = new(HttpStatusCode.OK);
        response.Headers.TryAddWithoutValidation("Link", "</v2/_catalog?last=b&n=2>; rel=\"next\"");

        Uri? next = RegistryClient.NextLink(response, new Uri("http://127.0.0.1:5000/v2/_catalog?n=2"));

        next.Should().Be(new Uri("http://127.0.0.1:5000/v2/_catalog?last=b&n=2"));
    }

    [Fact]
    public async Task Docker_config_auths_give_the_user_and_password_of_the_registry()
    {
        using TempDirectory dir = new();
        string path = dir.Combine("config.json");
        File.WriteAllText(path, """
            {"auths": {"https://index.docker.io/v1/": {"auth": "aHViOmh1YnB3"}, "localhost:5000": {"auth": "dXNlcjpwQHNzOndvcmQ="}}}
            """);
        DockerConfigCredentialStore store = new(path);

        RegistryCredential? local = await store.GetAsync("localhost:5000", Ct);
        RegistryCredential? hub = await store.GetAsync("docker.io", Ct);
        RegistryCredential? none = await store.GetAsync("other:5000", Ct);

        local.Should().Be(new RegistryCredential("user", "p@ss:word"));
        hub.Should().Be(new RegistryCredential("hub", "hubpw"));
        none.Should().BeNull();
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Login_writes_dockers_format_keeping_other_fields_and_logout_removes_the_entry()
    {
        using TempDirectory dir = new();
        string path = dir.Combine("docker", "config.json");
        Directory.CreateDirectory(dir.Combine("docker"));
        File.WriteAllText(path, "{\"psFormat\": \"table {{.ID}}\"}");
        DockerConfigCredentialStore store = new(path);

        await store.StoreAsync("127.0.0.1:5000", new RegistryCredential("me", "pw"), Ct);
        string written = File.ReadAllText(path);
        bool erased = await store.EraseAsync("127.0.0.1:5000", Ct);
        bool erasedAgain = await store.EraseAsync("127.0.0.1:5000", Ct);

        written.Should().Be("{\n\t\"psFormat\": \"table {{.ID}}\",\n\t\"auths\": {\n\t\t\"127.0.0.1:5000\": {\n\t\t\t\"auth\": \"bWU6cHc=\"\n\t\t}\n\t}\n}");
        erased.Should().BeTrue();
        erasedAgain.Should().BeFalse();
        File.ReadAllText(path).Should().Be("{\n\t\"psFormat\": \"table {{.ID}}\",\n\t\"auths\": {}\n}");
        (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)).Should().Be(UnixFileMode.None);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_credential_helper_is_run_with_the_server_url_and_its_answer_is_the_credential()
    {
        using TempDirectory dir = new();
        string helper = dir.Combine("bin", "docker-credential-imagefmttest");
        Directory.CreateDirectory(dir.Combine("bin"));
        File.WriteAllText(helper, $"#!/bin/sh\nread url\necho \"$1 $url\" >> {dir.Combine("calls")}\n[ \"$url\" = reg.example:5000 ] || {{ echo 'credentials not found in native keychain'; exit 1; }}\necho '{{\"ServerURL\":\"reg.example:5000\",\"Username\":\"helped\",\"Secret\":\"s3\"}}'\n");
        File.SetUnixFileMode(helper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string path = dir.Combine("config.json");
        File.WriteAllText(path, "{\"credHelpers\": {\"reg.example:5000\": \"imagefmttest\", \"other:1\": \"imagefmttest\"}}");
        string oldPath = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        Environment.SetEnvironmentVariable("PATH", oldPath + ":" + dir.Combine("bin"));
        try
        {
            DockerConfigCredentialStore store = new(path);

            RegistryCredential? found = await store.GetAsync("reg.example:5000", Ct);
            RegistryCredential? missing = await store.GetAsync("other:1", Ct);

            found.Should().Be(new RegistryCredential("helped", "s3"));
            missing.Should().BeNull();
            File.ReadAllLines(dir.Combine("calls")).Should().Equal("get reg.example:5000", "get other:1");
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", oldPath);
        }
    }

    [Fact]
    public async Task A_malformed_config_file_is_a_typed_error_naming_the_file()
    {
        using TempDirectory dir = new();
        string path = dir.Combine("config.json");
        File.WriteAllText(path, "{\"auths\": {\"x\": {\"auth\": \"%%%\"}}}");

        Func<Task> get = async () => await new DockerConfigCredentialStore(path).GetAsync("x", Ct);

        RegistryException e = (await get.Should().ThrowAsync<RegistryException>()).Which;
        e.Code.Should().Be(ErrorCodes.DockerConfigInvalid);
        e.Message.Should().Be($"{path}: auths[\"x\"].auth is not base64");
    }

    [Fact]
    public void Loopback_and_named_insecure_registries_may_use_plain_http_and_others_may_not()
    {
        using RegistryClient client = new(new RegistryClientOptions { InsecureRegistries = ["build.lan:5000"] });

        client.AllowsPlainHttp("127.0.0.1:5000").Should().BeTrue();
        client.AllowsPlainHttp("localhost:5000").Should().BeTrue();
        client.AllowsPlainHttp("[::1]:5000").Should().BeTrue();
        client.AllowsPlainHttp("build.lan:5000").Should().BeTrue();
        client.AllowsPlainHttp("build.lan:6000").Should().BeFalse();
        client.AllowsPlainHttp("registry.example").Should().BeFalse();
    }
}
