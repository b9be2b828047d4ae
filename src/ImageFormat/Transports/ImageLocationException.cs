using ImageFormat.Errors;

namespace ImageFormat.Transports;

/// <summary>
/// An image location cannot be used: its text names no known transport or lacks a part
/// (<see cref="ErrorCodes.InvalidImageLocation"/>), or the transport cannot do what was asked, such as holding
/// every platform of an index (<see cref="ErrorCodes.TransportUnsupported"/>).
/// </summary>
public sealed class ImageLocationException : ImageFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code"><see cref="ErrorCodes.InvalidImageLocation"/> or <see cref="ErrorCodes.TransportUnsupported"/>.</param>
    /// <param name="location">The location as the user wrote it.</param>
    /// <param name="message">What is wrong; the location is prefixed to it.</param>
    public ImageLocationException(string code, string location, string message)
        : base(code, $"\"{location}\": {message}")
    {
        Location = location;
    }

    /// <summary>The location as the user wrote it.</summary>
    public string Location { get; }
}
