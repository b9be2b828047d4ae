namespace ImageFormat.Archives;

/// <summary>How serious a problem is.</summary>
public enum ProblemSeverity
{
    /// <summary>Not as the specification says, but every tool reads it the same way (a known writer quirk).</summary>
    Warning = 0,

    /// <summary>The archive is wrong: content does not match its digest, a file is missing, documents disagree.</summary>
    Error = 1,
}

/// <summary>Something wrong with an archive, found while reading or verifying it, and where.</summary>
/// <param name="Severity">Whether it makes the archive invalid.</param>
/// <param name="Code">A code from <see cref="Errors.ErrorCodes"/>.</param>
/// <param name="Subject">The entry, blob or image concerned (<c>manifest.json</c>, <c>blobs/sha256/…</c>, an image ID).</param>
/// <param name="Message">What is wrong: what was expected and what was found.</param>
public sealed record ArchiveProblem(ProblemSeverity Severity, string Code, string Subject, string Message)
{
    /// <summary>Formats the problem as <c>error: subject: message (CODE)</c>.</summary>
    /// <returns>One line.</returns>
    public override string ToString() => $"{(Severity == ProblemSeverity.Error ? "error" : "warning")}: {Subject}: {Message} ({Code})";
}
