// Verifies an image archive as a CI step, with the public API only: every blob's digest and size, every layer's
// diffID, the history against the layers and the documents against each other. It prints each problem with where
// it is, and its exit code is what a CI step needs: 0 when the archive verifies, 1 when it does not.
//
//   dotnet run --project samples/VerifyArchive -- ARCHIVE
using ImageFormat.Archives;
using ImageFormat.Errors;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: VerifyArchive ARCHIVE");
    return 2;
}

using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(30));
try
{
    using ImageArchive archive = Directory.Exists(args[0]) ? ImageArchive.OpenLayout(args[0]) : ImageArchive.OpenFile(args[0]);
    ArchiveVerification result = await ArchiveVerifier.VerifyAsync(archive, cancellationToken: cancel.Token);
    foreach (ArchiveProblem problem in result.Problems)
    {
        Console.WriteLine(problem);
    }

    Console.WriteLine($"{(result.IsValid ? "verified" : "FAILED")}: {result.BlobsChecked} layer blob(s), {result.BytesHashed} bytes hashed, {result.Problems.Count} problem(s)");
    return result.IsValid ? 0 : 1;
}
catch (ImageFormatException e)
{
    // An archive too broken to open at all fails the step the same way, with its code.
    Console.WriteLine($"FAILED: {e.Code}: {e.Message}");
    return 1;
}
