namespace ImageFormat.Fuzz;

/// <summary>
/// One fuzz target. <see cref="Run"/> feeds one input to the library and catches only the exceptions the library
/// documents for that input (its <see cref="Errors.ImageFormatException"/> subtypes, and the few others a method's
/// XML docs name); anything else escapes, and AFL++ records the input as a crash.
/// </summary>
public abstract class Harness : IDisposable
{
    /// <summary>The name that selects it on the command line and names its corpus folder.</summary>
    public abstract string Name { get; }

    /// <summary>What it exercises and what it asserts, one sentence (printed by <c>--list</c>).</summary>
    public abstract string Checks { get; }

    /// <summary>Runs one input.</summary>
    /// <param name="data">The input.</param>
    public abstract void Run(byte[] data);

    /// <summary>Seed inputs: name → bytes.</summary>
    /// <param name="seeds">Where the seed material is.</param>
    /// <returns>The seeds.</returns>
    public abstract IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources seeds);

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the harness's scratch space.</summary>
    /// <param name="disposing">Called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}

/// <summary>An input broke an invariant the harness asserts (not a documented exception): a finding.</summary>
public sealed class FuzzInvariantException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FuzzInvariantException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What broke.</param>
    public FuzzInvariantException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What broke.</param>
    /// <param name="inner">The cause.</param>
    public FuzzInvariantException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
