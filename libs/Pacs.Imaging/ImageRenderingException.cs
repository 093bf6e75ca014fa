namespace Pacs.Imaging;

/// <summary>
/// A frame cannot be rendered as asked: the data set does not describe its pixels well enough, the pixel format is
/// not one this library renders, the frame is shorter than the description says, or a viewport region lies outside
/// the image. The message says which, for a person reading an HTTP problem response.
/// </summary>
public sealed class ImageRenderingException : Exception
{
    public ImageRenderingException()
    {
    }

    public ImageRenderingException(string message)
        : base(message)
    {
    }

    public ImageRenderingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
