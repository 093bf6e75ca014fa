using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Pacs.Dicom;

namespace Pacs.Archive;

/// <summary>
/// The archive's strict ingest check (<see cref="IngestValidationPolicy.Strict"/>). The DICOM reader is lenient: it reads
/// known real-world defects and lists them in <see cref="DicomFile.Warnings"/>. Ingest, which decides what the archive
/// keeps for decades, refuses an object with any such defect or with one of the defects below, naming the first one:
/// <list type="bullet">
/// <item>File Meta Information: no group length, a Transfer Syntax UID DICOM does not define (PS3.10 7.1);</item>
/// <item>encoding: a data set group length that does not match (PS3.5 7.2), a VR other than the one PS3.6 gives a standard
/// attribute (UN excepted: PS3.5 6.2.2 lets a sender that does not know the VR use it), a binary value whose length is
/// not a multiple of its size (PS3.5 6.2);</item>
/// <item>values: a UID, date, time, date-time, age, integer or decimal string that does not follow PS3.5 6.2 and 9.1,
/// a value longer than its VR allows, a binary number of a current (not retired) attribute with no value;</item>
/// <item>Patient Module: no Patient's Name or Patient ID (Type 2, PS3.3 C.7.1.1);</item>
/// <item>pixel data: native Pixel Data whose length is not what Rows, Columns, Samples per Pixel, Bits Allocated and
/// Number of Frames make (PS3.5 8.1.1); an encapsulated first frame whose codestream header disagrees with them
/// (JPEG, JPEG-LS and JPEG 2000 frame headers, RLE segment count), or JPEG scan parameters a sequential DCT process
/// cannot have (ITU-T T.81 B.2.3).</item>
/// </list>
/// Deviations PS3.5 itself asks readers to accept are not defects here: the pre-3.0 forms yyyy.mm.dd and hh:mm:ss of DA
/// and TM (PS3.5 6.2, backward compatibility notes), leading and trailing spaces of numbers, dates and times, a UID
/// padded with a space instead of a NUL; nor are private elements without a Private Creator, which PS3.5 7.8.1 forbids
/// but which are common and which the archive keeps untouched.
/// Encoding defects answer 0xC000 (cannot understand; 0xC122 for an unknown transfer syntax), content defects 0xA900
/// (data set does not match SOP class), the families PS3.4 B.2.3 and PS3.18 I.2.2 give for them.
/// </summary>
public static class IngestValidator
{
    private const int CodestreamHeaderBytes = 4096;

    /// <summary>The first defect of <paramref name="file"/>, or null when it has none this check knows.</summary>
    /// <param name="source">Where bulk values (large fragments) can be read from, for the codestream checks.</param>
    public static IngestDefect? Validate(DicomFile file, IDicomBulkDataSource? source)
    {
        ArgumentNullException.ThrowIfNull(file);
        return CheckMeta(file)
            ?? CheckReaderWarnings(file)
            ?? CheckGroupLengths(file)
            ?? CheckDataset(file.Dataset, file.TransferSyntax)
            ?? CheckPatientModule(file.Dataset)
            ?? CheckPixelData(file, source);
    }

    private static string Describe(DicomTag tag)
    {
        var keyword = DicomDictionary.Lookup(tag)?.Keyword;
        return string.IsNullOrEmpty(keyword) ? tag.ToString() : $"{keyword} {tag}";
    }

    /// <summary>An element's name in a defect's description ("PatientName (0010,0010)"), made when it is formatted.</summary>
    private readonly record struct TagName(DicomTag Tag)
    {
        public override string ToString() => Describe(Tag);
    }

    private static IngestDefect Encoding(string description) => new(StoreFailureReasons.CannotUnderstand, description);

    private static IngestDefect Content(string description) => new(StoreFailureReasons.DataSetDoesNotMatchSopClass, description);

    // ------------------------------------------------------------------ meta and reader

    private static IngestDefect? CheckMeta(DicomFile file)
    {
        var meta = file.FileMetaInformation;
        if (meta.GetString(DicomTag.TransferSyntaxUID) is { } uid && !DicomTransferSyntax.Lookup(uid).IsKnown)
        {
            return new IngestDefect(StoreFailureReasons.TransferSyntaxNotSupported,
                $"Transfer Syntax UID (0002,0010) '{uid}' is not a transfer syntax DICOM defines (PS3.5 10, PS3.6 Annex A).");
        }

        if (meta.Count > 0 && !meta.Contains(DicomTag.FileMetaInformationGroupLength))
            return Encoding("The File Meta Information has no group length (0002,0000), a Type 1 element (PS3.10 7.1).");
        return null;
    }

    private static IngestDefect? CheckReaderWarnings(DicomFile file) =>
        file.Warnings.Count > 0 ? Encoding($"The object is not encoded as PS3.5/PS3.10 require: {file.Warnings[0]}") : null;

    /// <summary>PS3.5 7.2: a group length, where present, is the byte count of the rest of its group.</summary>
    private static IngestDefect? CheckGroupLengths(DicomFile file)
    {
        if (file.TransferSyntax.IsDeflated)
            return null;
        var elements = file.Dataset.Elements;
        for (var i = 0; i < elements.Count; i++)
        {
            var element = elements[i];
            if (!element.Tag.IsGroupLength || element.ValueOffset < 0 || element.Value.Length != 4)
                continue;
            var declared = BinaryPrimitives.ReadUInt32LittleEndian(element.Value.Span);
            var next = elements.Skip(i + 1).FirstOrDefault(e => e.Tag.Group != element.Tag.Group);
            if (next is null || next.ValueOffset < 0)
                continue;
            var actual = HeaderOffset(next, file.TransferSyntax) - (element.ValueOffset + 4);
            if (actual != declared)
            {
                return Encoding($"Group Length ({element.Tag.Group:X4},0000) says {declared} bytes, but the group has {actual} (PS3.5 7.2).");
            }
        }

        return null;
    }

    private static long HeaderOffset(DicomElement element, DicomTransferSyntax syntax) =>
        element.ValueOffset - (syntax.IsExplicitVR && element.VR.HasLongExplicitLength() ? 12 : 8);

    // ------------------------------------------------------------------ elements and values

    private static IngestDefect? CheckDataset(DicomDataset dataset, DicomTransferSyntax syntax)
    {
        foreach (var element in dataset)
        {
            var tag = element.Tag;
            // Named only when a defect is reported: building the name of every element of every object cost a string each.
            var name = new TagName(tag);
            if ((tag.Group & 1) == 1)
            {
                if (CheckPrivate(element, name) is { } privateDefect)
                    return privateDefect;
            }
            else if (!tag.IsGroupLength && element.VR != DicomVR.UN
                     && DicomDictionary.Lookup(tag) is { ValueRepresentations.Length: > 0, IsRetired: false } entry
                     && !entry.ValueRepresentations.Contains(element.VR))
            {
                // Retired attributes (e.g. curves, group 50xx) are kept as sent: their VRs changed over the standard's history.
                // UN is tolerated: PS3.5 6.2.2 lets an application that does not know an attribute's VR pass it on as UN.
                var allowed = string.Join(" or ", entry.ValueRepresentations.Select(v => v.Code()));
                return Encoding($"{name} is encoded with VR {element.VR.Code()}, but PS3.6 defines it as {allowed} (PS3.5 6.2).");
            }

            if (element is DicomSequence sequence)
            {
                foreach (var item in sequence.Items)
                {
                    if (CheckDataset(item, syntax) is { } nested)
                        return nested;
                }

                continue;
            }

            if (element is DicomFragmentSequence || element.IsBulkData)
                continue;
            if (CheckValue(element, dataset, name) is { } valueDefect)
                return valueDefect;
        }

        return null;
    }

    /// <summary>PS3.5 7.8.1: odd groups hold private data, except 0001, 0003, 0005, 0007 and FFFF.</summary>
    private static IngestDefect? CheckPrivate(DicomElement element, TagName name)
    {
        var tag = element.Tag;
        // A missing Private Creator is tolerated (see the class summary); groups that cannot hold private data are not.
        return tag.IsPrivate ? null : Encoding($"{name} is in a group PS3.5 7.8.1 reserves (0001, 0003, 0005, 0007 and FFFF are not allowed).");
    }

    private static IngestDefect? CheckValue(DicomElement element, DicomDataset dataset, TagName name)
    {
        var vr = element.VR;
        var bytes = element.Value.Span;
        var size = vr.BinaryValueSize();
        if (size > 1 && bytes.Length % size != 0)
            return Encoding($"{name} ({vr.Code()}) has {bytes.Length} bytes, not a multiple of its value size {size} (PS3.5 6.2).");
        if (bytes.Length == 0 && vr is DicomVR.US or DicomVR.SS or DicomVR.UL or DicomVR.SL or DicomVR.FL or DicomVR.FD or DicomVR.AT or DicomVR.SV or DicomVR.UV
            && !element.Tag.IsPrivate && DicomDictionary.Lookup(element.Tag) is { IsRetired: false })
        {
            return Content($"{name} ({vr.Code()}) is present without a value; this archive's strict policy refuses empty binary numbers, which no Type 1 attribute may be and which readers decode differently (PS3.5 7.4).");
        }

        if (!vr.IsString() || bytes.Length == 0)
            return null;
        return vr switch
        {
            DicomVR.UI => CheckUids(bytes, name),
            DicomVR.DA or DicomVR.TM or DicomVR.DT or DicomVR.IS or DicomVR.DS or DicomVR.AS or DicomVR.AE => CheckAsciiValues(vr, bytes, name),
            DicomVR.LO or DicomVR.SH or DicomVR.PN or DicomVR.LT or DicomVR.ST => CheckTextLength(vr, dataset, element, name),
            _ => null,
        };
    }

    /// <summary>PS3.5 9.1: components of digits without leading zeros, separated by periods, at most 64 bytes, padded with one NUL.</summary>
    private static IngestDefect? CheckUids(ReadOnlySpan<byte> bytes, TagName name)
    {
        var text = System.Text.Encoding.ASCII.GetString(bytes);
        // PS3.5 9.1 pads with a single NUL; a trailing space is a common slip that changes no UID, so it is tolerated.
        if (text.EndsWith('\0') || text.EndsWith(' '))
            text = text[..^1];
        foreach (var uid in text.Split('\\'))
        {
            if (UidDefect(uid) is { } why)
                return Content($"{name} '{Printable(uid)}' is not a valid UID: {why} (PS3.5 9.1).");
        }

        return null;
    }

    private static string? UidDefect(string uid)
    {
        if (uid.Length == 0)
            return null;
        if (uid.Length > 64)
            return $"{uid.Length} characters, more than 64";
        foreach (var component in uid.Split('.'))
        {
            if (component.Length == 0)
                return "an empty component";
            if (!component.All(char.IsAsciiDigit))
                return "a character other than 0-9 and '.' (padding must be a single NUL)";
            if (component.Length > 1 && component[0] == '0')
                return $"the component '{component}' has a leading zero";
        }

        return null;
    }

    private static IngestDefect? CheckAsciiValues(DicomVR vr, ReadOnlySpan<byte> bytes, TagName name)
    {
        var text = System.Text.Encoding.Latin1.GetString(bytes);
        foreach (var raw in text.Split('\\'))
        {
            // Leading and trailing spaces of these VRs are insignificant (PS3.5 6.2), so the limit applies to the rest.
            var value = raw.Trim(' ');
            if (value.Length == 0)
                continue;
            // The pre-3.0 forms of DA and TM are longer than the current limit; their format check below bounds them.
            var legacy = (vr == DicomVR.DA && IsLegacyDate(value)) || (vr == DicomVR.TM && IsLegacyTime(value));
            if (vr != DicomVR.AE && !legacy && value.Length > vr.MaxValueLength())
                return Content($"{name} ({vr.Code()}) value '{Printable(raw)}' is {value.Length} characters; PS3.5 6.2 allows {vr.MaxValueLength()}.");
            var why = vr switch
            {
                DicomVR.DA => IsDate(value) || IsLegacyDate(value) ? null : "not a date YYYYMMDD",
                DicomVR.TM => IsTime(value) || IsLegacyTime(value) ? null : "not a time HHMMSS.FFFFFF",
                DicomVR.DT => IsDateTime(value) ? null : "not a date-time YYYYMMDDHHMMSS.FFFFFF&ZZXX",
                DicomVR.IS => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n is >= int.MinValue and <= int.MaxValue ? null : "not an integer string",
                DicomVR.DS => IsDecimal(value) ? null : "not a decimal string",
                DicomVR.AS => value.Length == 4 && value[..3].All(char.IsAsciiDigit) && "DWMY".Contains(value[3], StringComparison.Ordinal) ? null : "not an age string nnnD/W/M/Y",
                DicomVR.AE => value.Length <= 16 && value.All(c => c >= ' ' && c != '\\' && c < 0x7F) ? null : "not an application entity title of up to 16 printable characters",
                _ => null,
            };
            if (why is not null)
                return Content($"{name} ({vr.Code()}) value '{Printable(raw)}' is {why} (PS3.5 6.2).");
        }

        return null;
    }

    private static IngestDefect? CheckTextLength(DicomVR vr, DicomDataset dataset, DicomElement element, TagName name)
    {
        string[] values;
        try
        {
            values = vr.IsSingleValuedText() || vr is DicomVR.LT or DicomVR.ST ? [dataset.GetString(element.Tag) ?? ""] : dataset.GetStrings(element.Tag);
        }
        catch (DicomException e)
        {
            return Content($"{name} cannot be decoded in the data set's character set: {e.Message}");
        }

        foreach (var value in values)
        {
            // PN: 64 characters per component group (PS3.5 6.2, Table 6.2-1).
            var lengths = vr == DicomVR.PN ? value.Split('=').Select(g => g.Length) : [value.Length];
            var limit = vr == DicomVR.PN ? 64 : vr.MaxValueLength();
            if (lengths.Any(l => l > limit))
                return Content($"{name} ({vr.Code()}) value '{Printable(value)}' is longer than the {limit} characters PS3.5 6.2 allows.");
        }

        return null;
    }

    private static bool IsDate(string value) =>
        value.Length == 8 && DateOnly.TryParseExact(value, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    /// <summary>PS3.5 6.2 DA: readers should also accept yyyy.mm.dd, the form of versions before 3.0.</summary>
    private static bool IsLegacyDate(string value) =>
        value.Length == 10 && value[4] == '.' && value[7] == '.' && IsDate(value.Replace(".", "", StringComparison.Ordinal));

    /// <summary>PS3.5 6.2 TM: readers should also accept hh:mm:ss.frac, the form of versions before 3.0.</summary>
    private static bool IsLegacyTime(string value)
    {
        var main = value.Split('.')[0];
        return main.Length is 5 or 8 && main[2] == ':' && (main.Length == 5 || main[5] == ':')
            && IsTime(value.Replace(":", "", StringComparison.Ordinal));
    }

    private static bool IsTime(string value)
    {
        // HH[MM[SS[.F{1,6}]]] (PS3.5 6.2 TM); 60 seconds for a leap second.
        var dot = value.IndexOf('.', StringComparison.Ordinal);
        var main = dot < 0 ? value : value[..dot];
        if (main.Length is not (2 or 4 or 6) || !main.All(char.IsAsciiDigit))
            return false;
        if (dot >= 0 && (main.Length != 6 || value.Length - dot - 1 is < 1 or > 6 || !value[(dot + 1)..].All(char.IsAsciiDigit)))
            return false;
        return int.Parse(main[..2], CultureInfo.InvariantCulture) < 24
            && (main.Length < 4 || int.Parse(main[2..4], CultureInfo.InvariantCulture) < 60)
            && (main.Length < 6 || int.Parse(main[4..6], CultureInfo.InvariantCulture) <= 60);
    }

    private static bool IsDateTime(string value)
    {
        // YYYY[MM[DD[HH[MM[SS[.F{1,6}]]]]]][&ZZXX]
        var zone = value.IndexOfAny(['+', '-']);
        if (zone >= 0)
        {
            var offset = value[(zone + 1)..];
            if (offset.Length != 4 || !offset.All(char.IsAsciiDigit))
                return false;
            value = value[..zone];
        }

        var dot = value.IndexOf('.', StringComparison.Ordinal);
        var main = dot < 0 ? value : value[..dot];
        if (main.Length is not (4 or 6 or 8 or 10 or 12 or 14) || !main.All(char.IsAsciiDigit))
            return false;
        if (dot >= 0 && (main.Length != 14 || value.Length - dot - 1 is < 1 or > 6 || !value[(dot + 1)..].All(char.IsAsciiDigit)))
            return false;
        var date = main.Length switch { 4 => main + "0101", 6 => main + "01", _ => main[..8] };
        return IsDate(date) && (main.Length <= 8 || IsTime(main[8..]));
    }

    private static bool IsDecimal(string value)
    {
        // PS3.5 6.2 DS: a fixed or floating point number: [+-]digits[.digits][(e|E)[+-]digits], at least one digit.
        var i = 0;
        if (i < value.Length && value[i] is '+' or '-')
            i++;
        var digits = 0;
        while (i < value.Length && char.IsAsciiDigit(value[i]))
        {
            i++;
            digits++;
        }

        if (i < value.Length && value[i] == '.')
        {
            i++;
            while (i < value.Length && char.IsAsciiDigit(value[i]))
            {
                i++;
                digits++;
            }
        }

        if (digits == 0)
            return false;
        if (i < value.Length && value[i] is 'e' or 'E')
        {
            i++;
            if (i < value.Length && value[i] is '+' or '-')
                i++;
            var exponent = 0;
            while (i < value.Length && char.IsAsciiDigit(value[i]))
            {
                i++;
                exponent++;
            }

            if (exponent == 0)
                return false;
        }

        return i == value.Length;
    }

    private static string Printable(string value)
    {
        var shown = value.Length > 80 ? value[..80] + "..." : value;
        var builder = new StringBuilder(shown.Length);
        foreach (var c in shown)
            builder.Append(c is >= ' ' and < (char)0x7F ? c : '?');
        return builder.ToString();
    }

    // ------------------------------------------------------------------ patient

    private static IngestDefect? CheckPatientModule(DicomDataset dataset)
    {
        // PS3.3 C.7.1.1: Patient's Name and Patient ID are Type 2 in the Patient Module every composite IOD has.
        if (!dataset.Contains(DicomTag.PatientID))
            return Content("Patient ID (0010,0020) is missing; it is Type 2 in the Patient Module (PS3.3 C.7.1.1): present, even if empty.");
        if (!dataset.Contains(DicomTag.PatientName))
            return Content("Patient's Name (0010,0010) is missing; it is Type 2 in the Patient Module (PS3.3 C.7.1.1): present, even if empty.");
        return null;
    }

    // ------------------------------------------------------------------ pixel data

    private static IngestDefect? CheckPixelData(DicomFile file, IDicomBulkDataSource? source)
    {
        var dataset = file.Dataset;
        if (dataset[DicomTag.PixelData] is not { } pixelData)
            return null;
        var rows = dataset.GetUInt16(DicomTag.Rows);
        var columns = dataset.GetUInt16(DicomTag.Columns);
        var samples = dataset.GetUInt16(DicomTag.SamplesPerPixel);
        var bitsAllocated = dataset.GetUInt16(DicomTag.BitsAllocated);
        if (rows is null or 0 || columns is null or 0 || samples is null or 0 || bitsAllocated is null or 0)
        {
            return Content("Pixel Data (7FE0,0010) is present but Rows, Columns, Samples per Pixel or Bits Allocated is missing or zero "
                + "(Type 1 in the Image Pixel Module, PS3.3 C.7.6.3).");
        }

        var framesText = dataset.GetString(DicomTag.NumberOfFrames);
        long frames = framesText is null ? 1 : dataset.GetInt64(DicomTag.NumberOfFrames) ?? 0;
        if (frames < 1)
            return Content($"Number of Frames (0028,0008) '{framesText}' is not a positive integer (PS3.3 C.7.6.6).");

        if (pixelData is DicomFragmentSequence fragments)
            return CheckFirstFrame(file, fragments, source, rows.Value, columns.Value, samples.Value, bitsAllocated.Value);

        // PS3.3 C.7.6.3.1.2: native YBR_FULL_422 keeps two chrominance samples per pair of pixels, two samples a pixel.
        var storedSamples = samples.Value == 3 && dataset.GetString(DicomTag.PhotometricInterpretation)?.Trim() == "YBR_FULL_422" ? 2 : samples.Value;
        var bits = (long)rows.Value * columns.Value * storedSamples * bitsAllocated.Value * frames;
        var expected = (bits + 7) / 8;
        var expectedEven = expected + (expected & 1);
        if (pixelData.Length != expected && pixelData.Length != expectedEven)
        {
            return Content($"Pixel Data (7FE0,0010) has {pixelData.Length} bytes, but {rows} rows × {columns} columns × {samples} samples × "
                + $"{bitsAllocated} bits × {frames} frames make {expectedEven} (PS3.5 8.1.1, PS3.3 C.7.6.3).");
        }

        return null;
    }

    private static IngestDefect? CheckFirstFrame(DicomFile file, DicomFragmentSequence fragments, IDicomBulkDataSource? source,
        int rows, int columns, int samples, int bitsAllocated)
    {
        if (fragments.Fragments.Count == 0)
            return Content("Encapsulated Pixel Data (7FE0,0010) has no fragment (PS3.5 A.4).");
        var header = ReadStart(fragments.Fragments[0], source);
        if (header.Length == 0)
            return null;
        var uid = file.TransferSyntax.Uid;
        var pixelRepresentation = file.Dataset.GetUInt16(DicomTag.PixelRepresentation) ?? 0;
        string? why = uid switch
        {
            "1.2.840.10008.1.2.4.50" or "1.2.840.10008.1.2.4.51" or "1.2.840.10008.1.2.4.57" or "1.2.840.10008.1.2.4.70"
                or "1.2.840.10008.1.2.4.80" or "1.2.840.10008.1.2.4.81" => JpegDefect(header, rows, columns, samples),
            "1.2.840.10008.1.2.4.90" or "1.2.840.10008.1.2.4.91" or "1.2.840.10008.1.2.4.201" or "1.2.840.10008.1.2.4.202"
                or "1.2.840.10008.1.2.4.203" => J2kDefect(header, rows, columns, samples, pixelRepresentation),
            "1.2.840.10008.1.2.5" => RleDefect(header, samples, bitsAllocated),
            _ => null,
        };
        return why is null ? null : Content($"The first frame of Pixel Data (7FE0,0010) does not match the image attributes: {why}.");
    }

    private static byte[] ReadStart(DicomFragment fragment, IDicomBulkDataSource? source)
    {
        if (!fragment.Data.IsEmpty)
            return fragment.Data.Span[..Math.Min(fragment.Data.Length, CodestreamHeaderBytes)].ToArray();
        if (fragment.BulkData is not { } bulk || (bulk.Source ?? source) is not { } from)
            return [];
        var length = (int)Math.Min(bulk.Length, CodestreamHeaderBytes);
        using var stream = from.OpenRange(bulk.Offset, length);
        var buffer = new byte[length];
        stream.ReadExactly(buffer);
        return buffer;
    }

    /// <summary>ITU-T T.81 B.2.2 frame header (SOFn) and B.2.3 scan header; ISO 14495-1 C.2.2 for JPEG-LS (SOF55).</summary>
    private static string? JpegDefect(byte[] data, int rows, int columns, int samples)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8)
            return "the codestream does not start with a JPEG SOI marker (FFD8)";
        var position = 2;
        int? frameType = null;
        while (position + 4 <= data.Length)
        {
            if (data[position] != 0xFF)
                return $"no JPEG marker at byte {position} of the codestream";
            var marker = data[position + 1];
            if (marker == 0xFF)
            {
                position++;
                continue;
            }

            if (marker is 0x01 or >= 0xD0 and <= 0xD7)
            {
                position += 2;
                continue;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(position + 2));
            var segment = data.AsSpan(position + 4, Math.Max(0, Math.Min(length - 2, data.Length - position - 4)));
            if (marker is (>= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC) or 0xF7)
            {
                if (segment.Length < 6)
                    return null;
                frameType = marker;
                int lines = BinaryPrimitives.ReadUInt16BigEndian(segment[1..]);
                int perLine = BinaryPrimitives.ReadUInt16BigEndian(segment[3..]);
                int components = segment[5];
                if (perLine != columns || (lines != rows && lines != 0) || components != samples)
                    return $"the JPEG frame header says {perLine}×{lines} with {components} components; Columns, Rows and Samples per Pixel say {columns}×{rows} with {samples}";
            }
            else if (marker == 0xDA)
            {
                if (frameType is null)
                    return "a JPEG scan (SOS) comes before any frame header (SOF)";
                if (segment.Length < 1 || segment.Length < 1 + segment[0] * 2 + 3)
                    return null;
                var n = segment[0];
                int ss = segment[1 + n * 2], se = segment[2 + n * 2], a = segment[3 + n * 2];
                if (frameType is 0xC0 or 0xC1 && (ss != 0 || se != 63 || a != 0))
                    return $"a sequential DCT JPEG scan must have Ss=0, Se=63, Ah=Al=0 (ITU-T T.81 B.2.3); this one has Ss={ss}, Se={se}, Ah={a >> 4}, Al={a & 15}";
                if (frameType is 0xC3 && (ss is < 1 or > 7 || se != 0))
                    return $"a lossless JPEG scan must have a predictor Ss of 1-7 and Se=0 (ITU-T T.81 H.1.2); this one has Ss={ss}, Se={se}";
                return null;
            }

            position += 2 + length;
        }

        return null;
    }

    /// <summary>ISO 15444-1 A.5.1 image and tile size (SIZ) marker segment.</summary>
    private static string? J2kDefect(byte[] data, int rows, int columns, int samples, int pixelRepresentation)
    {
        var codestream = data.AsSpan();
        if (codestream.Length >= 12 && codestream[4..8].SequenceEqual("jP  "u8))
        {
            // A JP2 file wrapper (PS3.5 A.4.4 wants the bare codestream; tolerated): look inside its jp2c box.
            var box = 0;
            while (true)
            {
                if (box + 8 > codestream.Length)
                    return null;
                var boxLength = (int)BinaryPrimitives.ReadUInt32BigEndian(codestream[box..]);
                if (codestream.Slice(box + 4, 4).SequenceEqual("jp2c"u8))
                {
                    codestream = codestream[(box + 8)..];
                    break;
                }

                if (boxLength < 8)
                    return null;
                box += boxLength;
            }
        }

        if (codestream.Length < 4 || codestream[0] != 0xFF || codestream[1] != 0x4F)
            return "the codestream does not start with a JPEG 2000 SOC marker (FF4F)";
        if (codestream[2] != 0xFF || codestream[3] != 0x51)
            return "the JPEG 2000 codestream has no SIZ marker after SOC (ISO 15444-1 A.5.1)";
        if (codestream.Length < 43)
            return null;
        long width = BinaryPrimitives.ReadUInt32BigEndian(codestream[8..]) - (long)BinaryPrimitives.ReadUInt32BigEndian(codestream[16..]);
        long height = BinaryPrimitives.ReadUInt32BigEndian(codestream[12..]) - (long)BinaryPrimitives.ReadUInt32BigEndian(codestream[20..]);
        int components = BinaryPrimitives.ReadUInt16BigEndian(codestream[40..]);
        if (width != columns || height != rows || components != samples)
            return $"the JPEG 2000 SIZ marker says {width}×{height} with {components} components; Columns, Rows and Samples per Pixel say {columns}×{rows} with {samples}";
        var signed = (codestream[42] & 0x80) != 0;
        if (signed != (pixelRepresentation == 1))
        {
            return $"the JPEG 2000 codestream is {(signed ? "signed" : "unsigned")} but Pixel Representation (0028,0103) is {pixelRepresentation} "
                + "(PS3.5 8.2.4: they must agree)";
        }

        return null;
    }

    /// <summary>PS3.5 G.3.1: the RLE header's segment count is one per byte of each sample.</summary>
    private static string? RleDefect(byte[] data, int samples, int bitsAllocated)
    {
        if (data.Length < 64)
            return "the RLE frame is shorter than its 64-byte header (PS3.5 G.3.1)";
        var segments = BinaryPrimitives.ReadUInt32LittleEndian(data);
        var expected = samples * ((bitsAllocated + 7) / 8);
        return segments == expected ? null : $"the RLE header has {segments} segments; {samples} samples of {bitsAllocated} bits need {expected} (PS3.5 G.2)";
    }
}
