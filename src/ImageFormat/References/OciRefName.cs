namespace ImageFormat.References;

/// <summary>
/// The grammar of the <c>org.opencontainers.image.ref.name</c> annotation (OCI image spec, "Pre-Defined Annotation
/// Keys"): <c>ref ::= component ("/" component)*</c>, <c>component ::= alphanum (separator alphanum)*</c>,
/// <c>alphanum ::= [A-Za-z0-9]+</c>, <c>separator ::= [-._:@+] | "--"</c>. skopeo checks the name of an
/// <c>oci:DIR:NAME</c> or <c>oci-archive:FILE:NAME</c> against it, so <c>v1.0</c>, <c>Foo_Bar-1</c> and
/// <c>example.com/app:v1</c> are names and <c>a b</c>, <c>-x</c>, <c>x__y</c> and <c>x/</c> are not.
/// </summary>
internal static class OciRefName
{
    /// <summary>Whether <paramref name="name"/> is a ref name by that grammar. A single linear pass.</summary>
    /// <param name="name">The candidate.</param>
    /// <returns><see langword="true"/> when it is one.</returns>
    public static bool IsValid(ReadOnlySpan<char> name)
    {
        // Each component is runs of letters and digits joined by one separator ("--" counts as one); components
        // are joined by "/". So: never empty, starts and ends with a letter or digit, and between two runs of
        // letters and digits stands exactly one of "/", "-", ".", "_", ":", "@", "+" or "--".
        int i = 0;
        while (true)
        {
            int start = i;
            while (i < name.Length && char.IsAsciiLetterOrDigit(name[i]))
            {
                i++;
            }

            if (i == start)
            {
                return false;
            }

            if (i == name.Length)
            {
                return true;
            }

            char c = name[i];
            if (c == '-' && i + 1 < name.Length && name[i + 1] == '-')
            {
                i += 2;
            }
            else if (c is '/' or '-' or '.' or '_' or ':' or '@' or '+')
            {
                i++;
            }
            else
            {
                return false;
            }
        }
    }
}
