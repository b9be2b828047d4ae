using FluentAssertions;
using ImageFormat.Containment;
using Xunit;

namespace ImageFormat.Tests.Containment;

/// <summary>The one resolution algorithm, over a small in-memory file system whose every lookup is counted.</summary>
public sealed class PathResolverTests
{
    /// <summary>A directory tree in memory: a node is its full path; links and directories are listed.</summary>
    private sealed class FakeFileSystem : IFileSystemAdapter<string>
    {
        public HashSet<string> Directories { get; } = new(StringComparer.Ordinal) { string.Empty };

        public Dictionary<string, string> Links { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Files { get; } = new(StringComparer.Ordinal);

        public NodeKind Lookup(string directory, string name, out string node, out string? linkTarget)
        {
            node = directory.Length == 0 ? name : directory + "/" + name;
            linkTarget = null;
            if (Links.TryGetValue(node, out string? target))
            {
                linkTarget = target;
                return NodeKind.Symlink;
            }

            return Directories.Contains(node) ? NodeKind.Directory : Files.Contains(node) ? NodeKind.Other : NodeKind.Missing;
        }

        public void Release(string node)
        {
        }
    }

    private static PathResolver<string, FakeFileSystem> Resolver(FakeFileSystem fs, RootPolicy policy) => new(fs, string.Empty, policy, 40);

    private static string Resolved(PathResolver<string, FakeFileSystem> resolver) => resolver.Join(resolver.Frames.Count);

    [Fact]
    public void A_link_climbing_out_of_a_missing_directory_has_the_components_after_it_checked()
    {
        var fs = new FakeFileSystem();
        fs.Links["x"] = "missing/../y";
        fs.Links["y"] = "/outside";
        fs.Directories.Add("outside");
        fs.Files.Add("outside/secret");
        using PathResolver<string, FakeFileSystem> clamp = Resolver(fs, RootPolicy.Clamp);
        clamp.Resolve(["x", "secret"], followFinal: false).Should().Be(ResolveStatus.Ok);
        Resolved(clamp).Should().Be("outside/secret");
        clamp.Frames[^1].Kind.Should().Be(NodeKind.Other);

        using PathResolver<string, FakeFileSystem> refuse = Resolver(fs, RootPolicy.Refuse);
        refuse.Resolve(["x", "secret"], followFinal: false).Should().Be(ResolveStatus.Escapes);
        (refuse.LastLink, refuse.LastLinkTarget).Should().Be(("y", "/outside"));
    }

    [Fact]
    public void Below_a_missing_component_nothing_is_looked_up_and_everything_is_missing()
    {
        var fs = new FakeFileSystem();
        using PathResolver<string, FakeFileSystem> resolver = Resolver(fs, RootPolicy.Clamp);
        resolver.Resolve(["a", "b", "c"], followFinal: false).Should().Be(ResolveStatus.Ok);
        resolver.Frames.Skip(1).Select(f => (f.Name, f.Kind)).Should().Equal(("a", NodeKind.Missing), ("b", NodeKind.Missing), ("c", NodeKind.Missing));
        resolver.Lookups.Should().Be(1);
    }

    [Theory]
    [InlineData(true, "etc")]
    [InlineData(false, null)]
    public void Climbing_above_the_root_clamps_or_is_refused(bool clamp, string? path)
    {
        RootPolicy policy = clamp ? RootPolicy.Clamp : RootPolicy.Refuse;
        ResolveStatus expected = clamp ? ResolveStatus.Ok : ResolveStatus.Escapes;
        var fs = new FakeFileSystem();
        fs.Directories.Add("etc");
        fs.Links["up"] = "../../etc";
        using PathResolver<string, FakeFileSystem> resolver = Resolver(fs, policy);
        resolver.Resolve(["up"], followFinal: true).Should().Be(expected);
        if (path is not null)
        {
            Resolved(resolver).Should().Be(path);
        }
    }

    [Fact]
    public void The_final_link_is_followed_only_when_asked()
    {
        var fs = new FakeFileSystem();
        fs.Directories.Add("d");
        fs.Links["l"] = "d";
        using PathResolver<string, FakeFileSystem> resolver = Resolver(fs, RootPolicy.Refuse);
        resolver.Resolve(["l"], followFinal: false).Should().Be(ResolveStatus.Ok);
        (Resolved(resolver), resolver.Frames[^1].Kind).Should().Be(("l", NodeKind.Symlink));
        resolver.Resolve(["l"], followFinal: true).Should().Be(ResolveStatus.Ok);
        (Resolved(resolver), resolver.Frames[^1].Kind).Should().Be(("d", NodeKind.Directory));
    }

    [Fact]
    public void Dot_dot_goes_back_to_the_physical_parent_of_a_followed_link()
    {
        var fs = new FakeFileSystem();
        fs.Directories.UnionWith(["a", "a/b", "c"]);
        fs.Links["c/l"] = "/a/b";
        using PathResolver<string, FakeFileSystem> resolver = Resolver(fs, RootPolicy.Clamp);
        resolver.Resolve(["c", "l", "..", "z"], followFinal: false).Should().Be(ResolveStatus.Ok);
        Resolved(resolver).Should().Be("a/z");
    }

    [Fact]
    public void Link_loops_end_at_the_hop_limit()
    {
        var fs = new FakeFileSystem();
        fs.Links["a"] = "b";
        fs.Links["b"] = "a";
        using PathResolver<string, FakeFileSystem> resolver = Resolver(fs, RootPolicy.Clamp);
        resolver.Resolve(["a", "x"], followFinal: false).Should().Be(ResolveStatus.TooManyLinks);
        resolver.Lookups.Should().Be(41);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(4000)]
    public void Lookups_are_one_per_component_without_the_cache(int depth)
    {
        var fs = new FakeFileSystem();
        string path = string.Empty;
        var parts = new List<string>();
        for (int i = 0; i < depth; i++)
        {
            path = path.Length == 0 ? "d" : path + "/d";
            fs.Directories.Add(path);
            parts.Add("d");
        }

        using PathResolver<string, FakeFileSystem> resolver = Resolver(fs, RootPolicy.Refuse);
        resolver.UseCache = false;
        resolver.Resolve(parts, followFinal: true).Should().Be(ResolveStatus.Ok);
        resolver.Lookups.Should().Be(depth);
        resolver.Frames.Count.Should().Be(depth + 1);
    }

    [Fact]
    public void A_final_component_not_looked_up_is_missing_and_costs_no_lookup_while_its_parents_are_resolved()
    {
        var fs = new FakeFileSystem();
        fs.Directories.UnionWith(["real", "real/d"]);
        fs.Links["l"] = "real";
        fs.Files.Add("real/d/f");
        using PathResolver<string, FakeFileSystem> resolver = Resolver(fs, RootPolicy.Clamp);
        resolver.Resolve(["l", "d", "f"], followFinal: false, lookUpFinal: false).Should().Be(ResolveStatus.Ok);
        resolver.Frames.Skip(1).Select(f => (f.Name, f.Kind)).Should().Equal(("real", NodeKind.Directory), ("d", NodeKind.Directory), ("f", NodeKind.Missing));
        resolver.Lookups.Should().Be(3);
        resolver.Resolve(["l", "d", "f"], followFinal: false).Should().Be(ResolveStatus.Ok);
        resolver.Frames[^1].Kind.Should().Be(NodeKind.Other);
        resolver.Lookups.Should().Be(7);
        FluentActions.Invoking(() => resolver.Resolve(["l"], followFinal: true, lookUpFinal: false)).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void The_cache_reuses_the_common_prefix_and_is_dropped_on_invalidate()
    {
        var fs = new FakeFileSystem();
        fs.Directories.UnionWith(["a", "a/b", "a/b/c"]);
        using PathResolver<string, FakeFileSystem> resolver = Resolver(fs, RootPolicy.Clamp);
        resolver.Resolve(["a", "b", "c", "f1"], followFinal: false);
        resolver.Lookups.Should().Be(4);
        resolver.Resolve(["a", "b", "c", "f2"], followFinal: false);
        resolver.Lookups.Should().Be(5);
        resolver.Resolve(["a", "b", "g"], followFinal: false);
        resolver.Lookups.Should().Be(6);
        Resolved(resolver).Should().Be("a/b/g");
        resolver.Invalidate();
        resolver.Resolve(["a", "b", "h"], followFinal: false);
        resolver.Lookups.Should().Be(9);
        Resolved(resolver).Should().Be("a/b/h");
    }

    [Fact]
    public void A_prefix_reached_through_a_link_is_not_cached()
    {
        var fs = new FakeFileSystem();
        fs.Directories.UnionWith(["a", "b"]);
        fs.Links["l"] = "a";
        using PathResolver<string, FakeFileSystem> resolver = Resolver(fs, RootPolicy.Clamp);
        resolver.Resolve(["l", "f"], followFinal: false);
        fs.Links["l"] = "b";
        resolver.Resolve(["l", "g"], followFinal: false);
        Resolved(resolver).Should().Be("b/g");
    }
}
