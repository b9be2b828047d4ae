using System.Globalization;
using ImageFormat.Archives.Writers;
using Microsoft.Build.Framework;
using Task = Microsoft.Build.Utilities.Task;

namespace ImageFormat.Build;

/// <summary>
/// The MSBuild task behind <c>dotnet publish -p:ContainerBaseImage=…</c>: builds an image from the publish output
/// on a base read from an archive, an OCI layout or the local store, with no daemon and no registry. Every failure
/// is one MSBuild error with a stable code (<see cref="BuildErrorCodes"/>) and no stack trace.
/// </summary>
public sealed class BuildContainerImage : Task, ICancelableTask, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();

    /// <summary>The base: an archive path, <c>oci:DIR</c> or <c>store:REF</c> (<c>ContainerBaseImage</c>).</summary>
    [Required]
    public string BaseImage { get; set; } = string.Empty;

    /// <summary>The repository (<c>ContainerRepository</c>).</summary>
    [Required]
    public string Repository { get; set; } = string.Empty;

    /// <summary>The tags (<c>ContainerImageTag</c> or <c>ContainerImageTags</c>).</summary>
    public string[] ImageTags { get; set; } = [];

    /// <summary>The runtime identifier whose platform is taken from the base (<c>ContainerRuntimeIdentifier</c>).</summary>
    [Required]
    public string RuntimeIdentifier { get; set; } = string.Empty;

    /// <summary>The publish output: every file, with its path in <c>RelativePath</c> metadata (else relative to <see cref="PublishDirectory"/>) and optionally <c>ContainerFileMode</c> (octal).</summary>
    public ITaskItem[] Files { get; set; } = [];

    /// <summary>The publish directory the files' paths are relative to.</summary>
    public string PublishDirectory { get; set; } = string.Empty;

    /// <summary>The working directory (<c>ContainerWorkingDirectory</c>).</summary>
    public string WorkingDirectory { get; set; } = "/app/";

    /// <summary>The user (<c>ContainerUser</c>).</summary>
    public string? User { get; set; }

    /// <summary>The entrypoint (<c>ContainerAppCommand</c>).</summary>
    public string[] AppCommand { get; set; } = [];

    /// <summary>Arguments appended to the entrypoint (<c>ContainerAppCommandArgs</c>).</summary>
    public string[] AppCommandArgs { get; set; } = [];

    /// <summary>The default command (<c>ContainerDefaultArgs</c>).</summary>
    public string[] DefaultArgs { get; set; } = [];

    /// <summary>Environment variables: <c>ContainerEnvironmentVariable</c> items, the name in Include and <c>Value</c> metadata.</summary>
    public ITaskItem[] EnvironmentVariables { get; set; } = [];

    /// <summary>Labels: <c>ContainerLabel</c> items, the name in Include and <c>Value</c> metadata.</summary>
    public ITaskItem[] Labels { get; set; } = [];

    /// <summary>Ports: <c>ContainerPort</c> items, the number in Include and <c>Type</c> metadata (tcp or udp).</summary>
    public ITaskItem[] Ports { get; set; } = [];

    /// <summary><c>SOURCE_DATE_EPOCH</c>: decimal seconds since 1970 for every time in the image; the Unix epoch when empty.</summary>
    public string? SourceDateEpoch { get; set; }

    /// <summary>Where the archive goes (<c>ContainerArchiveOutputPath</c>); empty for none.</summary>
    public string? ArchiveOutputPath { get; set; }

    /// <summary>The archive's dialect (<c>ContainerArchiveFormat</c>): <c>docker</c> (default), <c>oci</c> or <c>oci-layout</c>.</summary>
    public string? ArchiveFormat { get; set; }

    /// <summary>Whether to load the image into the local store (<c>ContainerLoadIntoStore</c>).</summary>
    public bool LoadIntoStore { get; set; }

    /// <summary>The local store's root (<c>ContainerStoreRoot</c>); <c>$IMAGEFMT_ROOT</c> or the default when empty.</summary>
    public string? StoreRoot { get; set; }

    /// <summary>Where intermediate files go (the project's <c>obj</c> folder).</summary>
    public string? IntermediateDirectory { get; set; }

    /// <summary>The image ID built.</summary>
    [Output]
    public string ImageId { get; set; } = string.Empty;

    /// <summary>The full tags the image carries.</summary>
    [Output]
    public string[] FullTags { get; set; } = [];

    /// <inheritdoc/>
    public void Cancel() => _cancellation.Cancel();

    /// <inheritdoc/>
    public void Dispose() => _cancellation.Dispose();

    /// <inheritdoc/>
    public override bool Execute()
    {
        try
        {
            ContainerImageRequest request = MakeRequest();
            ContainerImageResult result = ContainerImageBuilder.Build(request, _cancellation.Token);
            ImageId = result.ImageId;
            FullTags = [.. result.Tags];
            string where = string.Join(" and ", new[]
            {
                string.IsNullOrEmpty(ArchiveOutputPath) ? null : request.ArchiveOutputPath,
                LoadIntoStore ? "the local store" : null,
            }.Where(s => s is not null));
            Log.LogMessage(MessageImportance.High, $"Built image {result.ImageId} ({string.Join(", ", result.Tags)}) from {BaseImage} into {where}");
            return true;
        }
        catch (ContainerBuildException e)
        {
            Error(e.Code, e.Message);
        }
        catch (OperationCanceledException)
        {
            Error(BuildErrorCodes.Cancelled, "The container image build was cancelled; nothing was written.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Error(BuildErrorCodes.OutputFailed, $"{e.Message}; check the paths given to ContainerArchiveOutputPath and ContainerBaseImage.");
        }
#pragma warning disable CA1031 // The task reports any failure as one error with a code, never a stack trace.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Error(BuildErrorCodes.InternalError, $"Unexpected failure, which is a bug in ImageFormat.Build: {e.GetType().Name}: {e.Message}");
        }

        return false;
    }

    private void Error(string code, string message) =>
        Log.LogError(subcategory: null, errorCode: code, helpKeyword: null, file: BuildEngine?.ProjectFileOfTaskNode, lineNumber: 0, columnNumber: 0, endLineNumber: 0, endColumnNumber: 0, message: message);

    private ContainerImageRequest MakeRequest()
    {
        var files = new List<ContainerFile>();
        foreach (ITaskItem item in Files)
        {
            string source = item.GetMetadata("FullPath");
            string relative = item.GetMetadata("RelativePath");
            if (string.IsNullOrEmpty(relative))
            {
                relative = Path.GetRelativePath(string.IsNullOrEmpty(PublishDirectory) ? "." : PublishDirectory, source);
            }

            string mode = item.GetMetadata("ContainerFileMode");
            int? parsedMode = null;
            if (!string.IsNullOrEmpty(mode))
            {
                try
                {
                    parsedMode = Convert.ToInt32(mode, 8);
                }
                catch (FormatException)
                {
                    throw new ContainerBuildException(BuildErrorCodes.InvalidProperty, $"ContainerFileMode '{mode}' of '{item.ItemSpec}' is not an octal mode such as 0755.");
                }
            }

            files.Add(new ContainerFile(source, relative, parsedMode));
        }

        return new ContainerImageRequest
        {
            BaseImage = BaseImage,
            Repository = Repository,
            Tags = [.. ImageTags.Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t.Trim())],
            Platform = ContainerImageBuilder.PlatformOf(RuntimeIdentifier),
            Files = files,
            WorkingDirectory = string.IsNullOrEmpty(WorkingDirectory) ? "/app/" : WorkingDirectory,
            User = string.IsNullOrEmpty(User) ? null : User,
            AppCommand = AppCommand,
            AppCommandArgs = AppCommandArgs,
            DefaultArgs = DefaultArgs,
            Environment = [.. EnvironmentVariables.Select(i => KeyValuePair.Create(i.ItemSpec, i.GetMetadata("Value")))],
            Labels = [.. Labels.Select(i => KeyValuePair.Create(i.ItemSpec, i.GetMetadata("Value")))],
            Ports = [.. Ports.Select(i => string.IsNullOrEmpty(i.GetMetadata("Type")) ? i.ItemSpec : $"{i.ItemSpec}/{i.GetMetadata("Type")}")],
            Created = ParseEpoch(SourceDateEpoch),
            ArchiveOutputPath = string.IsNullOrEmpty(ArchiveOutputPath) ? null : ArchiveOutputPath,
            ArchiveFormat = ParseFormat(ArchiveFormat),
            LoadIntoStore = LoadIntoStore,
            StoreRoot = string.IsNullOrEmpty(StoreRoot) ? null : StoreRoot,
            IntermediateDirectory = string.IsNullOrEmpty(IntermediateDirectory) ? null : IntermediateDirectory,
        };
    }

    private static DateTimeOffset ParseEpoch(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return DateTimeOffset.UnixEpoch;
        }

        if (!long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) || seconds > 253402300799)
        {
            throw new ContainerBuildException(BuildErrorCodes.InvalidProperty, $"SOURCE_DATE_EPOCH '{value}' is not a number of seconds since 1970-01-01 UTC: set it to such a number (git log -1 --format=%ct), or unset it for the fixed epoch.");
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    private static ArchiveFormat ParseFormat(string? value) => (value ?? string.Empty).Trim().ToLowerInvariant() switch
    {
        "" or "docker" => Archives.Writers.ArchiveFormat.Docker,
        "oci" or "oci-archive" => Archives.Writers.ArchiveFormat.OciArchive,
        "oci-layout" => Archives.Writers.ArchiveFormat.OciLayout,
        _ => throw new ContainerBuildException(BuildErrorCodes.InvalidProperty, $"ContainerArchiveFormat '{value}' is not docker, oci or oci-layout."),
    };
}
