namespace ImageFormat.Tar;

/// <summary>The tar dialect an entry's headers were written in.</summary>
public enum TarFormat
{
    /// <summary>The original Unix V7 header: no magic, no user or group names, no name prefix.</summary>
    V7,

    /// <summary>POSIX.1-1988 ustar: <c>ustar\0</c> magic, version <c>00</c>, a 155-byte name prefix.</summary>
    Ustar,

    /// <summary>POSIX.1-2001 pax: ustar headers preceded by extended (<c>x</c>) or global (<c>g</c>) records.</summary>
    Pax,

    /// <summary>GNU tar's format: <c>ustar  \0</c> magic, <c>L</c>/<c>K</c> long names, base-256 numbers, old sparse files.</summary>
    Gnu,
}
