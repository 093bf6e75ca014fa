using System.Text;
using Pacs.Http.Multipart;

namespace Pacs.DicomWeb.Tests.Multipart;

/// <summary>Builds multipart messages and reads them back into plain records for comparison.</summary>
internal static class MultipartTestMessages
{
    public const string Boundary = "b0undary-XyZ";

    public static byte[] Ascii(string text) => Encoding.Latin1.GetBytes(text);

    public static byte[] Concat(params byte[][] pieces) => pieces.SelectMany(p => p).ToArray();

    /// <summary>A part body that contains prefixes of the delimiter, CR and LF and dashes, so splitting it is a real test.</summary>
    public static byte[] TrickyBody() => Concat(
        Ascii("\r\n--b0undary-Xy"), [0, 1, 2, 0xFF, 13], Ascii("\r\n-"), Ascii("--b0undary-XyZ"), Ascii("\r\r\n--"), [10, 13, 10], Ascii("\r\n--b0undary-X"));

    public static async Task<List<(IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)>> ReadAllAsync(
        MultipartRelatedReader reader, int bodyReadSize = 4096, CancellationToken cancellationToken = default)
    {
        // Every read is bounded in time: a framing defect shows up as a failed test, not a hung run.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        cancellationToken = timeout.Token;
        var parts = new List<(IReadOnlyList<KeyValuePair<string, string>>, byte[])>();
        var buffer = new byte[bodyReadSize];
        while (await reader.ReadNextPartAsync(cancellationToken) is { } part)
        {
            using var body = new MemoryStream();
            int read;
            while ((read = await part.Body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                body.Write(buffer, 0, read);
            }

            parts.Add((part.Headers, body.ToArray()));
        }

        return parts;
    }
}
