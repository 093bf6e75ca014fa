using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Pacs.Dicom;

/// <summary>
/// Reads the DICOM JSON Model (PS3.18 Annex F) into data sets: one object, or an array of them (a QIDO-RS
/// answer). Input is UTF-8 from a span, a <see cref="ReadOnlySequence{T}"/> or a stream; a stream is read in
/// buffers (only the largest single token, e.g. one InlineBinary string, must fit in memory at once).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Every VR is read; members may come in any order ("vr" after "Value" too).</item>
/// <item>PN objects become the DICOM form "Alphabetic=Ideographic=Phonetic" (PS3.18 F.2.2).</item>
/// <item>DS and IS accept JSON numbers and strings (F.2.3.1); the number's literal becomes the value text.</item>
/// <item>FL/FD accept "NaN", "Infinity" and "-Infinity" strings, which <see cref="DicomJsonWriter"/> writes for values
/// JSON numbers cannot hold.</item>
/// <item>InlineBinary is decoded into the value; a BulkDataURI becomes an element held as bulk data whose
/// <see cref="DicomBulkDataReference.Uri"/> says where to fetch it (offset and length -1: unknown).</item>
/// <item>Text is encoded as UTF-8; when any of it is not ASCII, (0008,0005) is set to "ISO_IR 192" (see
/// <see cref="DicomTextState.Apply"/>).</item>
/// <item>A null entry in the Value of a binary number VR (US, SS, UL, SL, SV, UV, FL, FD) is dropped: the binary
/// encoding has no empty value (PS3.5 6.2), and refusing the whole document for it helps nobody.</item>
/// <item>Members other than vr, Value, InlineBinary and BulkDataURI are ignored.</item>
/// </list>
/// Errors are <see cref="DicomException"/>s naming the attribute (its path through items) and the reason.
/// </remarks>
public static class DicomJsonReader
{
    private const int InitialBufferBytes = 64 * 1024;

    /// <summary>Sequences nest three JSON levels deep each (attribute, Value array, item).</summary>
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 1024 };

    public static DicomDataset ReadDataset(string json) => ReadDataset(Encoding.UTF8.GetBytes(json));

    /// <summary>Reads one data set: an object, or an array holding exactly one.</summary>
    public static DicomDataset ReadDataset(ReadOnlySpan<byte> utf8Json) => Single(ReadDatasets(utf8Json));

    public static DicomDataset ReadDataset(ReadOnlySequence<byte> utf8Json) => Single(ReadDatasets(utf8Json));

    public static DicomDataset ReadDataset(Stream utf8Json) => Single(ReadDatasets(utf8Json));

    public static async Task<DicomDataset> ReadDatasetAsync(Stream utf8Json, CancellationToken cancellationToken = default) =>
        Single(await ReadDatasetsAsync(utf8Json, cancellationToken).ConfigureAwait(false));

    /// <summary>Reads an array of data sets (or a single object, as a list of one).</summary>
    public static IReadOnlyList<DicomDataset> ReadDatasets(ReadOnlySpan<byte> utf8Json)
    {
        var parser = new DicomJsonParser();
        var reader = new Utf8JsonReader(utf8Json, isFinalBlock: true, new JsonReaderState(ReaderOptions));
        parser.Consume(ref reader);
        return parser.Complete();
    }

    public static IReadOnlyList<DicomDataset> ReadDatasets(ReadOnlySequence<byte> utf8Json)
    {
        var parser = new DicomJsonParser();
        var reader = new Utf8JsonReader(utf8Json, isFinalBlock: true, new JsonReaderState(ReaderOptions));
        parser.Consume(ref reader);
        return parser.Complete();
    }

    public static IReadOnlyList<DicomDataset> ReadDatasets(Stream utf8Json)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        var input = new BufferedInput();
        try
        {
            while (!input.Final)
            {
                input.Fill(utf8Json.Read(input.FreeSpace));
                input.Consume();
            }

            return input.Parser.Complete();
        }
        finally
        {
            input.Dispose();
        }
    }

    public static async Task<IReadOnlyList<DicomDataset>> ReadDatasetsAsync(Stream utf8Json, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        var input = new BufferedInput();
        try
        {
            while (!input.Final)
            {
                input.Fill(await utf8Json.ReadAsync(input.FreeMemory, cancellationToken).ConfigureAwait(false));
                input.Consume();
            }

            return input.Parser.Complete();
        }
        finally
        {
            input.Dispose();
        }
    }

    private static DicomDataset Single(IReadOnlyList<DicomDataset> datasets) => datasets.Count == 1
        ? datasets[0]
        : throw new DicomException($"DICOM JSON: expected one data set, found an array of {datasets.Count}.");

    /// <summary>
    /// A pooled buffer the stream is read into; the JSON reader resumes across refills with its saved state, and
    /// bytes of a token cut by the buffer's end are moved to the front (the buffer doubles for a token larger than it).
    /// </summary>
    private sealed class BufferedInput : IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        private int _filled;
        private JsonReaderState _state = new(ReaderOptions);

        public DicomJsonParser Parser { get; } = new();

        public bool Final { get; private set; }

        public Span<byte> FreeSpace => EnsureFree().AsSpan(_filled);

        public Memory<byte> FreeMemory => EnsureFree().AsMemory(_filled);

        public void Fill(int read)
        {
            if (read == 0)
            {
                Final = true;
            }

            _filled += read;
        }

        public void Consume()
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(0, _filled), Final, _state);
            Parser.Consume(ref reader);
            _state = reader.CurrentState;
            var consumed = (int)reader.BytesConsumed;
            _buffer.AsSpan(consumed, _filled - consumed).CopyTo(_buffer);
            _filled -= consumed;
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);

        private byte[] EnsureFree()
        {
            if (_filled == _buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                _buffer.AsSpan(0, _filled).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }

            return _buffer;
        }
    }
}
