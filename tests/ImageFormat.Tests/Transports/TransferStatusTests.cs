using FluentAssertions;
using ImageFormat.Transports;
using Xunit;

namespace ImageFormat.Tests.Transports;

/// <summary>The lines of <see cref="TransferStatus"/>, as docker/cli's jsonmessage prints them off a terminal.</summary>
public class TransferStatusTests
{
    [Fact]
    public void Each_status_prints_as_id_colon_dockers_text_and_a_status_without_id_alone()
    {
        TransferStatus[] statuses =
        [
            new(TransferStatusKind.PullingFrom, "v1", "team/app"),
            new(TransferStatusKind.PullingFsLayer, "0123456789ab"),
            new(TransferStatusKind.AlreadyExists, "0123456789ab"),
            new(TransferStatusKind.VerifyingChecksum, "0123456789ab"),
            new(TransferStatusKind.DownloadComplete, "0123456789ab"),
            new(TransferStatusKind.PullComplete, "0123456789ab"),
            new(TransferStatusKind.PushRefersTo, string.Empty, "localhost:5000/team/app"),
            new(TransferStatusKind.Preparing, "0123456789ab"),
            new(TransferStatusKind.Pushed, "0123456789ab"),
            new(TransferStatusKind.LayerAlreadyExists, "0123456789ab"),
            new(TransferStatusKind.MountedFrom, "0123456789ab", "team/base"),
        ];

        statuses.Select(s => s.ToString()).Should().Equal(
            "v1: Pulling from team/app",
            "0123456789ab: Pulling fs layer",
            "0123456789ab: Already exists",
            "0123456789ab: Verifying Checksum",
            "0123456789ab: Download complete",
            "0123456789ab: Pull complete",
            "The push refers to repository [localhost:5000/team/app]",
            "0123456789ab: Preparing",
            "0123456789ab: Pushed",
            "0123456789ab: Layer already exists",
            "0123456789ab: Mounted from team/base");
    }
}
