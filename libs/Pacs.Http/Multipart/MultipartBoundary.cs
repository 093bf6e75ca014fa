using System.Security.Cryptography;

namespace Pacs.Http.Multipart;

/// <summary>Boundaries for the multipart bodies we write.</summary>
public static class MultipartBoundary
{
    private const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /// <summary>
    /// A fresh boundary: "pacs-" and 32 random letters and digits (190 bits). RFC 2046 5.1.1 wants a boundary that
    /// does not occur in any part; with this much randomness a collision with image data is not a practical concern,
    /// so parts are streamed without scanning them first. Letters, digits and '-' are RFC 9110 token characters,
    /// so the boundary parameter needs no quotes.
    /// </summary>
    public static string Create() => "pacs-" + RandomNumberGenerator.GetString(Alphabet, 32);
}
