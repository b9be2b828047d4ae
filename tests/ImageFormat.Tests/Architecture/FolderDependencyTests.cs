using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Architecture;

/// <summary>
/// The folders of the library may use each other only as the table "Dependencies between folders" of
/// docs/ARCHITECTURE.md allows. The test reads that table from the document (so the two cannot drift) and every
/// type reference from the compiled library: base types, interfaces, field, method and local signatures, and the
/// tokens of every method body.
/// </summary>
public class FolderDependencyTests
{
    private const string Root = "(root)";

    private static readonly Lazy<IReadOnlyDictionary<(string From, string To), string>> s_used = new(ReadUsedEdges);

    [Fact]
    public void Every_folder_uses_only_the_folders_docs_ARCHITECTURE_allows()
    {
        IReadOnlyDictionary<string, IReadOnlySet<string>> allowed = AllowedTable();
        IReadOnlyDictionary<(string From, string To), string> used = s_used.Value;

        string[] unlisted = [.. used
            .Where(e => !allowed.TryGetValue(e.Key.From, out IReadOnlySet<string>? to) || !to.Contains(e.Key.To))
            .Select(e => $"{e.Key.From} -> {e.Key.To} ({e.Value})")
            .Order(StringComparer.Ordinal)];

        string.Join("\n", unlisted).Should().BeEmpty("docs/ARCHITECTURE.md lists the dependencies between folders; add the edge there only if it does not make a cycle");
    }

    [Fact]
    public void Every_folder_of_the_library_has_a_row_in_the_table()
    {
        IReadOnlyDictionary<string, IReadOnlySet<string>> allowed = AllowedTable();
        string[] folders = [.. s_used.Value.Keys.SelectMany(e => new[] { e.From, e.To }).Concat(AllFolders()).Distinct().Order(StringComparer.Ordinal)];

        string.Join(", ", folders.Where(f => !allowed.ContainsKey(f))).Should().BeEmpty("every folder of the library is described in docs/ARCHITECTURE.md");
    }

    [Fact]
    public void The_allowed_dependencies_have_no_cycle_but_the_known_ones()
    {
        IReadOnlyDictionary<string, IReadOnlySet<string>> allowed = AllowedTable();
        IReadOnlySet<(string From, string To)> known = KnownCycleEdges();
        Dictionary<string, IReadOnlySet<string>> withoutKnown = allowed.ToDictionary(
            e => e.Key,
            e => (IReadOnlySet<string>)e.Value.Where(to => !known.Contains((e.Key, to))).ToHashSet(StringComparer.Ordinal),
            StringComparer.Ordinal);

        FindCycle(withoutKnown).Should().BeNull();
    }

    [Fact]
    public void Every_known_cycle_edge_is_still_used_so_the_list_shrinks_when_one_is_removed()
    {
        string[] unused = [.. KnownCycleEdges().Where(e => !s_used.Value.ContainsKey(e)).Select(e => $"{e.From} -> {e.To}")];

        string.Join(", ", unused).Should().BeEmpty("a cycle that is gone is taken off the \"Known cycles\" line of docs/ARCHITECTURE.md");
    }

    [Fact]
    public void The_cycle_check_finds_a_cycle()
    {
        var table = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal)
        {
            ["Json"] = new HashSet<string> { "Model" },
            ["Model"] = new HashSet<string> { "Json" },
            ["Errors"] = new HashSet<string>(),
        };

        FindCycle(table).Should().Be("Json -> Model -> Json");
    }

    [Fact]
    public void The_reader_sees_dependencies_made_inside_method_bodies()
    {
        // The writers call Moby's V1LayerId only inside a method body, never in a signature.
        s_used.Value.Should().ContainKey(("Archives/Writers", "Moby"));

        // Json is below Model: the cycle between them is gone.
        s_used.Value.Keys.Should().Contain(("Model", "Json")).And.NotContain(("Json", "Model"));
    }

    /// <summary>Parses the table: <c>| `Folder/` | `A/`, `B/` |</c>, "—" for none.</summary>
    internal static IReadOnlyDictionary<string, IReadOnlySet<string>> AllowedTable()
    {
        string section = Section();

        var table = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (Match row in Regex.Matches(section, @"^\|\s*`([^`]+)`\s*\|([^|\n]*)\|\s*$", RegexOptions.Multiline))
        {
            string from = Folder(row.Groups[1].Value);
            HashSet<string> to = [.. Regex.Matches(row.Groups[2].Value, "`([^`]+)`").Select(m => Folder(m.Groups[1].Value))];
            table.Add(from, to);
        }

        table.Should().NotBeEmpty();
        return table;
    }

    /// <summary>The edges of the line <c>Known cycles, to be removed: `A/ -> B/`, …</c>.</summary>
    internal static IReadOnlySet<(string From, string To)> KnownCycleEdges()
    {
        Match line = Regex.Match(Section(), @"^Known cycles[^\n]*$", RegexOptions.Multiline);
        line.Success.Should().BeTrue("the section lists the known cycles (or says there are none)");
        return Regex.Matches(line.Value, @"`([^`]+?)\s*->\s*([^`]+)`")
            .Select(m => (Folder(m.Groups[1].Value), Folder(m.Groups[2].Value)))
            .ToHashSet();
    }

    private static string Section()
    {
        string text = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "ARCHITECTURE.md"));
        int start = text.IndexOf("## Dependencies between folders", StringComparison.Ordinal);
        start.Should().BeGreaterThanOrEqualTo(0, "docs/ARCHITECTURE.md has a section \"Dependencies between folders\"");
        int end = text.IndexOf("\n## ", start + 3, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }

    internal static string? FindCycle(IReadOnlyDictionary<string, IReadOnlySet<string>> edges)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<string>();

        string? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (string next in edges.TryGetValue(node, out IReadOnlySet<string>? to) ? to.Order(StringComparer.Ordinal).ToArray() : [])
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    return string.Join(" -> ", path.Skip(path.IndexOf(next)).Append(next));
                }

                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }

        foreach (string node in edges.Keys.Order(StringComparer.Ordinal))
        {
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle)
            {
                return cycle;
            }
        }

        return null;
    }

    private static string Folder(string name)
    {
        string trimmed = name.Trim().TrimEnd('/');
        return trimmed is "ImageFormatLimits" or "ImageFormat" or "(root)" ? Root : trimmed;
    }

    private static string? FolderOfNamespace(string ns) => ns == "ImageFormat"
        ? Root
        : ns.StartsWith("ImageFormat.", StringComparison.Ordinal) ? ns["ImageFormat.".Length..].Replace('.', '/') : null;

    private static IEnumerable<string> AllFolders()
    {
        using var pe = new PEReader(File.OpenRead(typeof(Digest).Assembly.Location));
        MetadataReader md = pe.GetMetadataReader();
        foreach (TypeDefinitionHandle h in md.TypeDefinitions)
        {
            TypeDefinition t = md.GetTypeDefinition(h);
            if (!t.GetDeclaringType().IsNil)
            {
                continue;
            }

            if (FolderOfNamespace(md.GetString(t.Namespace)) is { } folder)
            {
                yield return folder;
            }
        }
    }

    /// <summary>Every (from, to) folder pair some type of <c>from</c> uses, with one example.</summary>
    private static Dictionary<(string From, string To), string> ReadUsedEdges()
    {
        using var pe = new PEReader(File.OpenRead(typeof(Digest).Assembly.Location));
        MetadataReader md = pe.GetMetadataReader();
        var used = new Dictionary<(string, string), string>();
        var provider = new ReferenceProvider(md);

        string? FolderOf(TypeDefinitionHandle h)
        {
            TypeDefinition t = md.GetTypeDefinition(h);
            while (!t.GetDeclaringType().IsNil)
            {
                t = md.GetTypeDefinition(t.GetDeclaringType());
            }

            return FolderOfNamespace(md.GetString(t.Namespace));
        }

        string NameOf(TypeDefinitionHandle h)
        {
            TypeDefinition t = md.GetTypeDefinition(h);
            return t.GetDeclaringType().IsNil ? md.GetString(t.Name) : $"{NameOf(t.GetDeclaringType())}+{md.GetString(t.Name)}";
        }

        foreach (TypeDefinitionHandle typeHandle in md.TypeDefinitions)
        {
            string? from = FolderOf(typeHandle);
            if (from is null)
            {
                continue;
            }

            var targets = new HashSet<TypeDefinitionHandle>();
            Collect(md, provider, typeHandle, targets, pe);
            foreach (TypeDefinitionHandle target in targets)
            {
                if (FolderOf(target) is { } to && to != from)
                {
                    used.TryAdd((from, to), $"{NameOf(typeHandle)} uses {NameOf(target)}");
                }
            }
        }

        return used;
    }

    private static void Collect(MetadataReader md, ReferenceProvider provider, TypeDefinitionHandle typeHandle, HashSet<TypeDefinitionHandle> targets, PEReader pe)
    {
        TypeDefinition type = md.GetTypeDefinition(typeHandle);
        AddType(md, provider, type.BaseType, targets);
        foreach (InterfaceImplementationHandle i in type.GetInterfaceImplementations())
        {
            AddType(md, provider, md.GetInterfaceImplementation(i).Interface, targets);
        }

        foreach (FieldDefinitionHandle f in type.GetFields())
        {
            targets.UnionWith(md.GetFieldDefinition(f).DecodeSignature(provider, null));
        }

        foreach (MethodDefinitionHandle m in type.GetMethods())
        {
            MethodDefinition method = md.GetMethodDefinition(m);
            MethodSignature<IReadOnlyList<TypeDefinitionHandle>> signature = method.DecodeSignature(provider, null);
            targets.UnionWith(signature.ReturnType);
            foreach (IReadOnlyList<TypeDefinitionHandle> parameter in signature.ParameterTypes)
            {
                targets.UnionWith(parameter);
            }

            if (method.RelativeVirtualAddress == 0)
            {
                continue;
            }

            MethodBodyBlock body = pe.GetMethodBody(method.RelativeVirtualAddress);
            if (!body.LocalSignature.IsNil)
            {
                foreach (IReadOnlyList<TypeDefinitionHandle> local in md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(provider, null))
                {
                    targets.UnionWith(local);
                }
            }

            foreach (int token in Tokens(body.GetILBytes() ?? []))
            {
                AddToken(md, provider, token, targets);
            }
        }
    }

    private static void AddToken(MetadataReader md, ReferenceProvider provider, int token, HashSet<TypeDefinitionHandle> targets)
    {
        EntityHandle handle = MetadataTokens.EntityHandle(token);
        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition or HandleKind.TypeReference or HandleKind.TypeSpecification:
                AddType(md, provider, handle, targets);
                break;
            case HandleKind.MethodDefinition:
                targets.Add(md.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.FieldDefinition:
                targets.Add(md.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.MemberReference:
                MemberReference member = md.GetMemberReference((MemberReferenceHandle)handle);
                if (member.Parent.Kind == HandleKind.MethodDefinition)
                {
                    targets.Add(md.GetMethodDefinition((MethodDefinitionHandle)member.Parent).GetDeclaringType());
                }
                else
                {
                    AddType(md, provider, member.Parent, targets);
                }

                break;
            case HandleKind.MethodSpecification:
                MethodSpecification spec = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                AddToken(md, provider, MetadataTokens.GetToken(spec.Method), targets);
                foreach (IReadOnlyList<TypeDefinitionHandle> argument in spec.DecodeSignature(provider, null))
                {
                    targets.UnionWith(argument);
                }

                break;
            default:
                break;
        }
    }

    private static void AddType(MetadataReader md, ReferenceProvider provider, EntityHandle handle, HashSet<TypeDefinitionHandle> targets)
    {
        if (handle.IsNil)
        {
            return;
        }

        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                targets.Add((TypeDefinitionHandle)handle);
                break;
            case HandleKind.TypeSpecification:
                targets.UnionWith(md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(provider, null));
                break;
            default:
                break;
        }
    }

    private static readonly Lazy<IReadOnlyDictionary<short, OperandType>> s_operands = new(() => typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value, o => o.OperandType));

    /// <summary>The metadata tokens of a method body's instructions that name a type, method or field.</summary>
    private static IEnumerable<int> Tokens(byte[] il)
    {
        int i = 0;
        while (i < il.Length)
        {
            short code = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            OperandType operand = s_operands.Value[code];
            switch (operand)
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                    yield return BitConverter.ToInt32(il, i);
                    i += 4;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineSwitch:
                    int count = BitConverter.ToInt32(il, i);
                    i += 4 + (4 * count);
                    break;
                default:
                    i += 4;
                    break;
            }
        }
    }

    /// <summary>Decodes a signature into the library's own types it mentions.</summary>
    private sealed class ReferenceProvider(MetadataReader md) : ISignatureTypeProvider<IReadOnlyList<TypeDefinitionHandle>, object?>
    {
        private static readonly IReadOnlyList<TypeDefinitionHandle> None = [];

        public IReadOnlyList<TypeDefinitionHandle> GetArrayType(IReadOnlyList<TypeDefinitionHandle> elementType, ArrayShape shape) => elementType;

        public IReadOnlyList<TypeDefinitionHandle> GetByReferenceType(IReadOnlyList<TypeDefinitionHandle> elementType) => elementType;

        public IReadOnlyList<TypeDefinitionHandle> GetFunctionPointerType(MethodSignature<IReadOnlyList<TypeDefinitionHandle>> signature) =>
            [.. signature.ReturnType, .. signature.ParameterTypes.SelectMany(p => p)];

        public IReadOnlyList<TypeDefinitionHandle> GetGenericInstantiation(IReadOnlyList<TypeDefinitionHandle> genericType, ImmutableArray<IReadOnlyList<TypeDefinitionHandle>> typeArguments) =>
            [.. genericType, .. typeArguments.SelectMany(a => a)];

        public IReadOnlyList<TypeDefinitionHandle> GetGenericMethodParameter(object? genericContext, int index) => None;

        public IReadOnlyList<TypeDefinitionHandle> GetGenericTypeParameter(object? genericContext, int index) => None;

        public IReadOnlyList<TypeDefinitionHandle> GetModifiedType(IReadOnlyList<TypeDefinitionHandle> modifier, IReadOnlyList<TypeDefinitionHandle> unmodifiedType, bool isRequired) =>
            [.. modifier, .. unmodifiedType];

        public IReadOnlyList<TypeDefinitionHandle> GetPinnedType(IReadOnlyList<TypeDefinitionHandle> elementType) => elementType;

        public IReadOnlyList<TypeDefinitionHandle> GetPointerType(IReadOnlyList<TypeDefinitionHandle> elementType) => elementType;

        public IReadOnlyList<TypeDefinitionHandle> GetPrimitiveType(PrimitiveTypeCode typeCode) => None;

        public IReadOnlyList<TypeDefinitionHandle> GetSZArrayType(IReadOnlyList<TypeDefinitionHandle> elementType) => elementType;

        public IReadOnlyList<TypeDefinitionHandle> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [handle];

        public IReadOnlyList<TypeDefinitionHandle> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => None;

        public IReadOnlyList<TypeDefinitionHandle> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            md.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
    }
}
