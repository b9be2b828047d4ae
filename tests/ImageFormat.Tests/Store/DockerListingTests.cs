using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Moby;
using ImageFormat.Store;
using Xunit;

namespace ImageFormat.Tests.Store;

/// <summary>
/// Docker 20.10's listings on the store: <c>images</c> and <c>image prune</c> filters with the daemon's semantics and
/// messages, <c>--format</c> templates as the client renders them, and <c>create</c> of an image without a command.
/// The expected texts are what Docker 20.10 prints for the same images (checked against the engine by
/// <see cref="DockerDifferentialTests"/> and <see cref="DockerListingInteropTests"/>).
/// </summary>
public class DockerListingTests
{
    private static readonly DateTimeOffset Now = new(2024, 1, 2, 4, 4, 5, TimeSpan.Zero);
    private readonly ImageStore _store = ImageStore.CreateInMemory();
    private readonly StoreFixture _f;
    private readonly Digest _base;
    private readonly Digest _child;
    private readonly Digest _other;

    public DockerListingTests()
    {
        _f = new StoreFixture(_store);
        _base = _f.Image(["base"], tag: "app:base", created: "2024-01-02T01:00:00Z");
        _child = _f.Image(["base", "child"], _base, "app:child", created: "2024-01-02T02:00:00Z");
        _other = _f.Image(["other"], tag: "tools/other:v1", created: "2024-01-02T03:00:00Z");
    }

    private static DockerListingOptions Options(string? format) => new() { Format = format, Now = Now, TimeZone = TimeZoneInfo.Utc };

    private static DockerFilters Filters(params string[] values) => DockerFilters.Parse(values);

    private string[] Tags(params string[] filters) =>
        [.. _store.ListImages(all: false, Filters(filters)).SelectMany(s => s.RepoTags)];

    [Fact]
    public void Default_images_table_is_Dockers_template_aligned_like_tabwriter()
    {
        DockerListing.Images(_store.ListImages(), Options(null)).Should().Be(
            "REPOSITORY    TAG       IMAGE ID       CREATED             SIZE\n" +
            $"tools/other   v1        {_other.ShortId}   About an hour ago   6B\n" +
            $"app           child     {_child.ShortId}   2 hours ago         11B\n" +
            $"app           base      {_base.ShortId}   3 hours ago         5B\n");
    }

    [Fact]
    public void Json_of_an_image_row_has_sorted_keys_string_values_and_Gos_html_escaping()
    {
        _store.RemoveImage("tools/other:v1");
        _f.Image(["dangling"], created: "2024-01-02T03:30:00Z");
        string first = DockerListing.Images(_store.ListImages(), Options("{{json .}}")).Split('\n')[0];
        first.Should().Be(
            "{\"Containers\":\"N/A\",\"CreatedAt\":\"2024-01-02 03:30:00 +0000 UTC\",\"CreatedSince\":\"34 minutes ago\"," +
            "\"Digest\":\"\\u003cnone\\u003e\",\"ID\":\"" + _store.ListImages()[0].Image.Id.ShortId + "\",\"Repository\":\"\\u003cnone\\u003e\"," +
            "\"SharedSize\":\"N/A\",\"Size\":\"9B\",\"Tag\":\"\\u003cnone\\u003e\",\"UniqueSize\":\"N/A\",\"VirtualSize\":\"9B\"}");
    }

    [Fact]
    public void Json_of_one_placeholder_is_not_html_escaped_and_pipes_and_if_work()
    {
        DockerListing.Images(_store.ListImages(all: false, Filters("reference=tools/*")), Options("{{json .Repository}} {{.Tag | upper}} {{if .Digest}}d{{else}}-{{end}}"))
            .Should().Be("\"tools/other\" V1 d\n");
    }

    [Fact]
    public void Table_template_gets_Dockers_header_and_tab_separated_columns()
    {
        DockerListing.Images(_store.ListImages(all: false, Filters("reference=app:base")), Options("table {{.Repository}}:{{.Tag}}\\t{{.CreatedAt}}\\t{{.VirtualSize}}"))
            .Should().Be(
                "REPOSITORY:TAG   CREATED AT                      SIZE\n" +
                "app:base         2024-01-02 01:00:00 +0000 UTC   5B\n");
    }

    [Fact]
    public void Unknown_placeholder_is_the_Docker_clients_template_error()
    {
        Action act = () => DockerListing.Images(_store.ListImages(), Options("{{.ID}} {{.Foo}}"));
        act.Should().Throw<ImageFormatException>().Where(e => e.Code == ErrorCodes.StoreInvalidTemplate).Which.Message.Should().Be(
            "template parsing error: template: :1:10: executing \"\" at <.Foo>: can't evaluate field Foo in type *formatter.imageContext");
    }

    [Fact]
    public void Ps_checks_its_template_even_when_no_container_is_listed()
    {
        Action act = () => DockerListing.Containers([], Options("{{.Repository}}"));
        act.Should().Throw<ImageFormatException>().Which.Message.Should().Be(
            "failed to execute template: template: :1:2: executing \"\" at <.Repository>: can't evaluate field Repository in type *formatter.ContainerContext");
    }

    [Fact]
    public void Undefined_and_unsupported_functions_are_refused()
    {
        Action undefined = () => DockerListing.History(_store.History("app:base"), Options("{{foo .ID}}"));
        undefined.Should().Throw<ImageFormatException>().Which.Message.Should().Be("template parsing error: template: :1: function \"foo\" not defined");
        Action unsupported = () => DockerListing.History(_store.History("app:base"), Options("{{printf \"%s\" .ID}}"));
        unsupported.Should().Throw<ImageFormatException>().Which.Message.Should().StartWith("template parsing error: template: :1: \"printf\" is not supported by imagefmt's --format");
        Action unclosed = () => DockerListing.History(_store.History("app:base"), Options("{{.ID"));
        unclosed.Should().Throw<ImageFormatException>().Which.Message.Should().Be("template parsing error: template: :1: unclosed action");
    }

    [Fact]
    public void History_rows_render_every_documented_placeholder()
    {
        DockerListing.History(_store.History("app:child"), Options("{{.ID}}|{{.CreatedSince}}|{{.CreatedAt}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}"))
            .Should().Be(
                $"{_child.ShortId}|2 hours ago|2024-01-02T02:00:00Z|add child|6B|\n" +
                $"{_base.ShortId}|2 hours ago|2024-01-02T02:00:00Z|add base|5B|\n");
    }

    [Fact]
    public void Ps_rows_render_every_documented_placeholder()
    {
        StoreContainer c = _store.AddContainer("app:base", "web", command: ["echo", "hi there"]);
        string text = DockerListing.Containers(_store.ListContainers(all: true, size: true), Options(
            "{{.ID}}|{{.Image}}|{{.Command}}|{{.CreatedAt}}|{{.RunningFor}}|{{.Ports}}|{{.State}}|{{.Status}}|{{.Size}}|{{.Names}}|{{.Labels}}|{{.Label \"x\"}}|{{.Mounts}}|{{.Networks}}"));
        string created = c.Created.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        text.Should().Be($"{c.ShortId}|app:base|\"echo 'hi there'\"|{created} +0000 UTC|{DockerUnits.HumanDuration(Now - DateTimeOffset.FromUnixTimeSeconds(c.Created.ToUnixTimeSeconds()))} ago||created|Created|0B (virtual 5B)|web||||bridge\n");
    }

    [Fact]
    public void Dangling_true_lists_untagged_images_without_children_only()
    {
        _store.RemoveImage("app:base");
        _store.ListImages(all: true, Filters("dangling=true")).Should().BeEmpty("the untagged base has a child");
        _store.RemoveImage("tools/other:v1", prune: false);
        _f.Image(["loose"]);
        _store.ListImages(all: false, Filters("dangling=true")).Select(s => s.RepoTags[0]).Should().Equal("<none>:<none>");
        Tags("dangling=false").Should().Equal("app:child");
    }

    [Fact]
    public void Reference_filter_matches_familiar_forms_and_names_with_path_Match()
    {
        _store.Tag("app:child", "tools/other:v2");
        Tags("reference=app").Should().Equal("app:child", "app:base");
        Tags("reference=tools/*:v2").Should().Equal("tools/other:v2");
        Tags("reference=*").Should().Equal(["app:child", "app:base"], "* does not match a slash");
        Tags("reference=*/*", "reference=app:base").Should().Equal("tools/other:v1", "tools/other:v2", "app:base");
    }

    [Fact]
    public void Before_and_since_compare_creation_times_strictly()
    {
        Tags("before=app:child").Should().Equal("app:base");
        Tags("since=app:child").Should().Equal("tools/other:v1");
        Tags("since=app:base", "label=nosuch").Should().BeEmpty();
    }

    [Fact]
    public void Filters_Docker_refuses_give_the_daemons_messages()
    {
        Action name = () => _store.ListImages(all: false, Filters("until=1h"));
        name.Should().Throw<ImageFormatException>().Where(e => e.Code == ErrorCodes.StoreInvalidFilter).WithMessage("Invalid filter 'until'");
        Action dangling = () => _store.ListImages(all: false, Filters("dangling=yes"));
        dangling.Should().Throw<ImageFormatException>().WithMessage("Invalid filter 'dangling=[yes]'");
        Action pattern = () => _store.ListImages(all: false, Filters("reference=["));
        pattern.Should().Throw<ImageFormatException>().WithMessage("syntax error in pattern");
        Action before = () => _store.ListImages(all: false, Filters("before=nosuch"));
        before.Should().Throw<NotFoundException>().WithMessage("No such image: nosuch:latest");
        Action bad = () => DockerFilters.Parse(["dangling"]);
        bad.Should().Throw<ArgumentException>().WithMessage("bad format of filter (expected name=value)*");
    }

    [Fact]
    public void Prune_until_keeps_images_created_after_it_and_label_not_excludes()
    {
        var store = ImageStore.CreateInMemory(new ImageStoreOptions { Clock = new FixedClock(Now) });
        var f = new StoreFixture(store);
        Digest old = f.Image(["old"], created: "2024-01-02T01:00:00Z");
        Digest recent = f.Image(["recent"], created: "2024-01-02T04:00:00Z");
        store.PruneImages(all: false, dryRun: false, Filters("until=1h")).Items.Select(i => i.Deleted).Should().Contain(old).And.NotContain(recent);
        store.PruneImages(all: false, dryRun: false, Filters("label!=x")).Items.Select(i => i.Deleted).Should().Contain(recent, "an image without labels does not match label!=x");
        Action twice = () => store.PruneImages(all: false, dryRun: false, Filters("until=1h", "until=2h"));
        twice.Should().Throw<ImageFormatException>().WithMessage("more than one until filter specified");
        Action unparsable = () => store.PruneImages(all: false, dryRun: false, Filters("until=soon"));
        unparsable.Should().Throw<ImageFormatException>().WithMessage("failed to parse value as time or duration: \"soon\"");
        Action refused = () => store.PruneImages(all: false, dryRun: false, Filters("before=x"));
        refused.Should().Throw<ImageFormatException>().WithMessage("Invalid filter 'before'");
    }

    [Fact]
    public void Create_of_an_image_without_a_command_is_No_command_specified_unless_one_is_given()
    {
        Action act = () => _store.AddContainer("app:base", "c1");
        act.Should().Throw<ImageFormatException>().Where(e => e.Code == ErrorCodes.StoreNoCommand).WithMessage("No command specified");
        _store.Containers.Should().BeEmpty();
        _store.AddContainer("app:base", "c1", command: [""]).Command.Should().Equal(string.Empty);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
