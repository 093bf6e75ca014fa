using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Pacs.Dicom;

/// <summary>
/// A data set: elements kept in ascending tag order, read by tag or by PS3.6 keyword, with typed getters
/// for every VR and methods to add, change and remove elements. Items of a sequence are data sets too;
/// they know their parent so that the Specific Character Set is inherited (PS3.5 7.5.3).
/// </summary>
public sealed class DicomDataset : IEnumerable<DicomElement>
{
    private readonly List<DicomElement> _elements;
    private DicomCharacterSet? _characterSet;

    public DicomDataset()
        : this(capacity: 0)
    {
    }

    public DicomDataset(int capacity) => _elements = new List<DicomElement>(capacity);

    public DicomDataset(IEnumerable<DicomElement> elements)
        : this()
    {
        foreach (var element in elements)
        {
            Set(element);
        }
    }

    /// <summary>The data set holding the sequence this item belongs to; null at the top level.</summary>
    public DicomDataset? Parent { get; internal set; }

    /// <summary>Absolute offset in the source where this data set (or item's value) starts; -1 when built in memory.</summary>
    public long Offset { get; init; } = -1;

    /// <summary>For items: the encoded item length, -1 when undefined or built in memory.</summary>
    public long EncodedLength { get; init; } = -1;

    public int Count => _elements.Count;

    /// <summary>The elements in ascending tag order.</summary>
    public IReadOnlyList<DicomElement> Elements => _elements;

    /// <summary>
    /// The Specific Character Set (0008,0005) of this data set, or its parent's when this item has none
    /// (PS3.5 7.5.3), or the default repertoire.
    /// </summary>
    public DicomCharacterSet CharacterSet
    {
        get
        {
            if (_characterSet is null)
            {
                var own = Get(DicomTag.SpecificCharacterSet);
                if (own is not null && own.Value.Length > 0)
                {
                    _characterSet = DicomCharacterSet.FromSpecificCharacterSet(Encoding.ASCII.GetString(own.Value.Span));
                }
                else
                {
                    _characterSet = Parent?.CharacterSet ?? DicomCharacterSet.Default;
                }
            }

            return _characterSet;
        }
    }

    public DicomElement? this[DicomTag tag] => Get(tag);

    public DicomElement? this[string keyword] => Get(DicomTag.Parse(keyword));

    public bool Contains(DicomTag tag) => IndexOf(tag) >= 0;

    public DicomElement? Get(DicomTag tag)
    {
        var i = IndexOf(tag);
        return i >= 0 ? _elements[i] : null;
    }

    public bool TryGet(DicomTag tag, out DicomElement element)
    {
        var i = IndexOf(tag);
        element = i >= 0 ? _elements[i] : null!;
        return i >= 0;
    }

    // ---------------------------------------------------------------- strings

    /// <summary>
    /// The whole value as text, decoded with the Specific Character Set for the VRs that use it, with the
    /// padding removed (trailing spaces and NULs; leading spaces too except for LT, ST, UT — PS3.5 6.2).
    /// Several values stay joined by backslashes. Null when the element is absent.
    /// </summary>
    public string? GetString(DicomTag tag)
    {
        var element = Get(tag);
        if (element is null)
        {
            return null;
        }

        if (element.IsBulkData)
        {
            throw new DicomException($"{Describe(tag)} was not loaded (it is bulk data of {element.Length} bytes).");
        }

        return DecodeText(element);
    }

    public string? GetString(string keyword) => GetString(DicomTag.Parse(keyword));

    /// <summary>Value <paramref name="index"/> of a multi-valued string (0-based), or null when there is no such value.</summary>
    public string? GetString(DicomTag tag, int index)
    {
        var values = GetStrings(tag);
        return index >= 0 && index < values.Length ? values[index] : null;
    }

    /// <summary>All values of a string element, split on backslash after decoding (so multi-byte sets split correctly).</summary>
    public string[] GetStrings(DicomTag tag)
    {
        var element = Get(tag);
        if (element is null || element.Length == 0)
        {
            return [];
        }

        if (!element.VR.IsString() && element.VR != DicomVR.UN)
        {
            throw new DicomException($"{Describe(tag)} has VR {element.VR.Code()}, which holds no text.");
        }

        var text = DecodeRaw(element);
        if (element.VR.IsSingleValuedText())
        {
            return [TrimValue(text, element.VR)];
        }

        var parts = text.Split('\\');
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = TrimValue(parts[i], element.VR);
        }

        return parts;
    }

    /// <summary>A person name (PN) with its alphabetic, ideographic and phonetic groups.</summary>
    public DicomPersonName? GetPersonName(DicomTag tag)
    {
        var text = GetString(tag);
        return text is null ? null : DicomPersonName.Parse(text.Split('\\')[0]);
    }

    /// <summary>All person names of a multi-valued PN element.</summary>
    public DicomPersonName[] GetPersonNames(DicomTag tag) =>
        Array.ConvertAll(GetStrings(tag), DicomPersonName.Parse);

    // ---------------------------------------------------------------- dates and times

    /// <summary>A DA value (YYYYMMDD; the old YYYY.MM.DD form is accepted); null when absent, empty or not a date.</summary>
    public DateOnly? GetDate(DicomTag tag) => DicomDateTime.ParseDate(GetString(tag, 0));

    /// <summary>A TM value (HH, HHMM, HHMMSS, HHMMSS.FFFFFF; the old HH:MM:SS form is accepted); null when absent or invalid.</summary>
    public TimeOnly? GetTime(DicomTag tag) => DicomDateTime.ParseTime(GetString(tag, 0));

    /// <summary>A DT value with its optional UTC offset; null when absent or invalid.</summary>
    public DicomDateTime? GetDateTime(DicomTag tag) => DicomDateTime.Parse(GetString(tag, 0));

    /// <summary>A DA and a TM element combined (e.g. StudyDate and StudyTime); null when the date is absent.</summary>
    public DateTime? GetDateTime(DicomTag dateTag, DicomTag timeTag)
    {
        var date = GetDate(dateTag);
        if (date is null)
        {
            return null;
        }

        var time = GetTime(timeTag) ?? TimeOnly.MinValue;
        return date.Value.ToDateTime(time);
    }

    // ---------------------------------------------------------------- numbers

    /// <summary>
    /// Value <paramref name="index"/> as a 64-bit integer: IS text or any integer binary VR.
    /// Null when absent, empty or not a number.
    /// </summary>
    public long? GetInt64(DicomTag tag, int index = 0)
    {
        var element = Get(tag);
        if (element is null || element.Length == 0 || element.IsBulkData)
        {
            return null;
        }

        var span = element.Value.Span;
        switch (element.VR)
        {
            case DicomVR.US: return ReadAt<ushort>(span, index, out var us) ? us : null;
            case DicomVR.SS: return ReadAt<short>(span, index, out var ss) ? ss : null;
            case DicomVR.UL: return ReadAt<uint>(span, index, out var ul) ? ul : null;
            case DicomVR.SL: return ReadAt<int>(span, index, out var sl) ? sl : null;
            case DicomVR.SV: return ReadAt<long>(span, index, out var sv) ? sv : null;
            case DicomVR.UV: return ReadAt<ulong>(span, index, out var uv) && uv <= long.MaxValue ? (long)uv : null;
            case DicomVR.FL: return ReadAt<float>(span, index, out var fl) && float.IsFinite(fl) ? (long)fl : null;
            case DicomVR.FD: return ReadAt<double>(span, index, out var fd) && double.IsFinite(fd) ? (long)fd : null;
            default:
                if (!element.VR.IsString())
                {
                    return null;
                }

                var text = GetString(tag, index);
                if (long.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var l))
                {
                    return l;
                }

                // IS written as "12.0" by some devices: accept an integral decimal.
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d) && Math.Abs(d) < 9e18 ? (long)d : null;
        }
    }

    /// <summary>Value <paramref name="index"/> as a 32-bit integer; null when absent, invalid or out of range.</summary>
    public int? GetInt32(DicomTag tag, int index = 0)
    {
        var v = GetInt64(tag, index);
        return v is >= int.MinValue and <= int.MaxValue ? (int)v.Value : null;
    }

    /// <summary>Value <paramref name="index"/> as a double: DS text, FL, FD, or any integer VR.</summary>
    public double? GetDouble(DicomTag tag, int index = 0)
    {
        var element = Get(tag);
        if (element is null || element.Length == 0 || element.IsBulkData)
        {
            return null;
        }

        var span = element.Value.Span;
        switch (element.VR)
        {
            case DicomVR.FL or DicomVR.OF: return ReadAt<float>(span, index, out var fl) ? fl : null;
            case DicomVR.FD or DicomVR.OD: return ReadAt<double>(span, index, out var fd) ? fd : null;
            case DicomVR.US or DicomVR.SS or DicomVR.UL or DicomVR.SL or DicomVR.SV or DicomVR.UV:
                return GetInt64(tag, index);
            default:
                if (!element.VR.IsString())
                {
                    return null;
                }

                return double.TryParse(GetString(tag, index), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
        }
    }

    /// <summary>Value <paramref name="index"/> as a decimal (DS keeps its decimal digits exactly).</summary>
    public decimal? GetDecimal(DicomTag tag, int index = 0)
    {
        var element = Get(tag);
        if (element?.VR == DicomVR.DS)
        {
            return decimal.TryParse(GetString(tag, index), NumberStyles.Float, CultureInfo.InvariantCulture, out var m) ? m : null;
        }

        var d = GetDouble(tag, index);
        return d is { } x && double.IsFinite(x) && Math.Abs(x) < 7.9e28 ? (decimal)x : null;
    }

    /// <summary>All DS/IS/FL/FD/integer values as doubles (e.g. ImagePositionPatient).</summary>
    public double[] GetDoubles(DicomTag tag)
    {
        var element = Get(tag);
        if (element is null || element.Length == 0)
        {
            return [];
        }

        if (element.VR.IsString())
        {
            var parts = GetStrings(tag);
            var result = new double[parts.Length];
            for (var i = 0; i < parts.Length; i++)
            {
                result[i] = double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.NaN;
            }

            return result;
        }

        var count = (int)(element.Length / Math.Max(1, element.VR.BinaryValueSize()));
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = GetDouble(tag, i) ?? double.NaN;
        }

        return values;
    }

    public ushort? GetUInt16(DicomTag tag, int index = 0) => GetInt64(tag, index) is { } v and >= 0 and <= ushort.MaxValue ? (ushort)v : null;

    public uint? GetUInt32(DicomTag tag, int index = 0) => GetInt64(tag, index) is { } v and >= 0 and <= uint.MaxValue ? (uint)v : null;

    /// <summary>The values of a binary element as an array of <typeparamref name="T"/> (the VR decides the width; the caller picks a matching T).</summary>
    public T[] GetValues<T>(DicomTag tag)
        where T : unmanaged
    {
        var element = Get(tag);
        if (element is null || element.Length == 0)
        {
            return [];
        }

        if (element.IsBulkData)
        {
            throw new DicomException($"{Describe(tag)} was not loaded (it is bulk data of {element.Length} bytes).");
        }

        var size = Marshal.SizeOf<T>();
        var span = element.Value.Span;
        return MemoryMarshal.Cast<byte, T>(span[..(span.Length / size * size)]).ToArray();
    }

    /// <summary>An AT value: the tag it names.</summary>
    public DicomTag? GetTag(DicomTag tag, int index = 0)
    {
        var element = Get(tag);
        if (element is null || element.VR != DicomVR.AT || element.Value.Length < (index + 1) * 4)
        {
            return null;
        }

        var span = element.Value.Span[(index * 4)..];
        return new DicomTag(BinaryPrimitives.ReadUInt16LittleEndian(span), BinaryPrimitives.ReadUInt16LittleEndian(span[2..]));
    }

    // ---------------------------------------------------------------- sequences and private tags

    /// <summary>The items of a sequence; empty when absent.</summary>
    public IReadOnlyList<DicomDataset> GetSequence(DicomTag tag) =>
        Get(tag) is DicomSequence sq ? sq.Items : [];

    /// <summary>The private creator that reserved the block of a private element, e.g. "SIEMENS CSA HEADER".</summary>
    public string? GetPrivateCreator(DicomTag tag)
    {
        var creator = tag.PrivateCreatorTag;
        return creator == default ? null : GetString(creator);
    }

    /// <summary>
    /// Finds the tag of a private element by its creator, group and element byte (the low 8 bits),
    /// e.g. ("SIEMENS CSA HEADER", 0x0029, 0x10). Null when the creator has reserved no block.
    /// </summary>
    public DicomTag? FindPrivateTag(string creator, ushort group, byte elementOffset)
    {
        for (ushort block = 0x10; block <= 0xFF; block++)
        {
            var creatorTag = new DicomTag(group, block);
            var i = IndexOf(creatorTag);
            if (i >= 0 && string.Equals(GetString(creatorTag), creator, StringComparison.Ordinal))
            {
                return new DicomTag(group, (ushort)((block << 8) | elementOffset));
            }
        }

        return null;
    }

    /// <summary>
    /// Reserves (or reuses) a private block for <paramref name="creator"/> in <paramref name="group"/> and returns
    /// the tag of the element at <paramref name="elementOffset"/> within it (PS3.5 7.8.1).
    /// </summary>
    public DicomTag ReservePrivateTag(string creator, ushort group, byte elementOffset)
    {
        if ((group & 1) == 0 || group <= 0x0008)
        {
            throw new ArgumentException($"Group {group:X4} is not a private group (odd and above 0008).", nameof(group));
        }

        if (FindPrivateTag(creator, group, elementOffset) is { } existing)
        {
            return existing;
        }

        for (ushort block = 0x10; block <= 0xFF; block++)
        {
            var creatorTag = new DicomTag(group, block);
            if (!Contains(creatorTag))
            {
                Set(creatorTag, DicomVR.LO, creator);
                return new DicomTag(group, (ushort)((block << 8) | elementOffset));
            }
        }

        throw new DicomException($"Group {group:X4} has no free private creator block left for '{creator}'.");
    }

    // ---------------------------------------------------------------- building

    /// <summary>Adds or replaces an element (same tag replaces).</summary>
    public DicomDataset Set(DicomElement element)
    {
        ArgumentNullException.ThrowIfNull(element);
        if (element is DicomSequence sq)
        {
            foreach (var item in sq.Items)
            {
                item.Parent = this;
            }
        }

        var count = _elements.Count;
        if (count == 0 || _elements[count - 1].Tag < element.Tag)
        {
            _elements.Add(element);
        }
        else
        {
            var i = IndexOf(element.Tag);
            if (i >= 0)
            {
                _elements[i] = element;
            }
            else
            {
                _elements.Insert(~i, element);
            }
        }

        if (element.Tag == DicomTag.SpecificCharacterSet)
        {
            InvalidateCharacterSet();
        }

        return this;
    }

    /// <summary>Sets a text element with the VR from the dictionary. Several values are joined with backslashes.</summary>
    public DicomDataset Set(DicomTag tag, params string[] values) => Set(tag, DictionaryVR(tag), values);

    /// <summary>Sets a text element, encoded with this data set's Specific Character Set where the VR uses it, padded to even length.</summary>
    public DicomDataset Set(DicomTag tag, DicomVR vr, params string[] values)
    {
        if (!vr.IsString())
        {
            throw new ArgumentException($"{Describe(tag)}: VR {vr.Code()} does not hold text; use SetValues.", nameof(vr));
        }

        var text = vr.IsSingleValuedText() ? string.Concat(values) : string.Join('\\', values);
        if (tag == DicomTag.SpecificCharacterSet)
        {
            InvalidateCharacterSet();
        }

        var bytes = vr.UsesSpecificCharacterSet() ? CharacterSet.Encode(text, vr) : Encoding.ASCII.GetBytes(text);
        return Set(new DicomElement(tag, vr, DicomVRInfo.PadToEvenLength(bytes, vr)));
    }

    /// <summary>Sets a binary numeric element (US, SS, UL, SL, FL, FD, SV, UV, OB, OW, OF, OD, OL, OV) from values.</summary>
    public DicomDataset SetValues<T>(DicomTag tag, DicomVR vr, params T[] values)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        return Set(new DicomElement(tag, vr, DicomVRInfo.PadToEvenLength(bytes, vr)));
    }

    /// <summary>Sets a binary element with the VR from the dictionary.</summary>
    public DicomDataset SetValues<T>(DicomTag tag, params T[] values)
        where T : unmanaged => SetValues(tag, DictionaryVR(tag), values);

    /// <summary>Sets an AT element.</summary>
    public DicomDataset SetTags(DicomTag tag, params DicomTag[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 4), values[i].Group);
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan((i * 4) + 2), values[i].Element);
        }

        return Set(new DicomElement(tag, DicomVR.AT, bytes));
    }

    /// <summary>Sets a sequence from its items.</summary>
    public DicomDataset SetSequence(DicomTag tag, params DicomDataset[] items) => Set(new DicomSequence(tag, items));

    /// <summary>Removes an element; true when it was present.</summary>
    public bool Remove(DicomTag tag)
    {
        var i = IndexOf(tag);
        if (i < 0)
        {
            return false;
        }

        _elements.RemoveAt(i);
        if (tag == DicomTag.SpecificCharacterSet)
        {
            InvalidateCharacterSet();
        }

        return true;
    }

    /// <summary>Removes every element the predicate selects (e.g. all private tags).</summary>
    public int RemoveAll(Predicate<DicomElement> predicate) => _elements.RemoveAll(predicate);

    /// <summary>A deep copy of the element list (values and bulk references are shared: they are immutable).</summary>
    public DicomDataset Clone()
    {
        var copy = new DicomDataset(_elements.Count) { Offset = Offset, EncodedLength = EncodedLength };
        foreach (var element in _elements)
        {
            copy._elements.Add(element is DicomSequence sq
                ? new DicomSequence(sq.Tag, sq.Items.Select(i => i.Clone()), sq.ValueOffset, sq.UndefinedLength) { EncodedLength = sq.EncodedLength }
                : element);
        }

        foreach (var sq in copy._elements.OfType<DicomSequence>())
        {
            foreach (var item in sq.Items)
            {
                item.Parent = copy;
            }
        }

        return copy;
    }

    public IEnumerator<DicomElement> GetEnumerator() => _elements.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Appends an element the reader found in order; falls back to a sorted insert (tags out of order are tolerated).</summary>
    internal void AddFromReader(DicomElement element)
    {
        var count = _elements.Count;
        if (count == 0 || _elements[count - 1].Tag < element.Tag)
        {
            _elements.Add(element);
            return;
        }

        var i = IndexOf(element.Tag);
        if (i < 0)
        {
            _elements.Insert(~i, element);
        }

        // A duplicate tag keeps the first occurrence (malformed input; PS3.5 7.1 forbids duplicates).
    }

    internal void InvalidateCharacterSet()
    {
        _characterSet = null;
        foreach (var element in _elements)
        {
            if (element is DicomSequence sq)
            {
                foreach (var item in sq.Items)
                {
                    item.InvalidateCharacterSet();
                }
            }
        }
    }

    internal string DecodeRaw(DicomElement element)
    {
        var span = element.Value.Span;
        if (element.VR.UsesSpecificCharacterSet() || element.VR == DicomVR.UN)
        {
            return CharacterSet.Decode(span, element.VR);
        }

        return Encoding.Latin1.GetString(span);
    }

    private string DecodeText(DicomElement element)
    {
        var text = DecodeRaw(element);
        if (element.VR.IsString() && !element.VR.IsSingleValuedText() && text.Contains('\\'))
        {
            var parts = text.Split('\\');
            for (var i = 0; i < parts.Length; i++)
            {
                parts[i] = TrimValue(parts[i], element.VR);
            }

            return string.Join('\\', parts);
        }

        return TrimValue(text, element.VR);
    }

    private static string TrimValue(string value, DicomVR vr) => vr is DicomVR.LT or DicomVR.ST or DicomVR.UT
        ? value.TrimEnd(' ', '\0')
        : value.Trim(' ', '\0');

    private static bool ReadAt<T>(ReadOnlySpan<byte> span, int index, out T value)
        where T : unmanaged
    {
        var size = Marshal.SizeOf<T>();
        var start = (long)index * size;
        if (index < 0 || start + size > span.Length)
        {
            value = default;
            return false;
        }

        value = MemoryMarshal.Read<T>(span.Slice((int)start, size));
        return true;
    }

    private static DicomVR DictionaryVR(DicomTag tag)
    {
        var entry = DicomDictionary.Lookup(tag);
        if (entry is null || entry.ValueRepresentations.Length == 0)
        {
            throw new ArgumentException($"{tag} is not in the PS3.6 dictionary; give its VR explicitly.", nameof(tag));
        }

        return entry.VR;
    }

    internal static string Describe(DicomTag tag)
    {
        var keyword = DicomDictionary.Lookup(tag)?.Keyword;
        return string.IsNullOrEmpty(keyword) ? tag.ToString() : $"{keyword} {tag}";
    }

    private int IndexOf(DicomTag tag)
    {
        // Binary search: elements are kept sorted by tag.
        int lo = 0, hi = _elements.Count - 1;
        var key = tag.Value;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var v = _elements[mid].Tag.Value;
            if (v == key)
            {
                return mid;
            }

            if (v < key)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return ~lo;
    }
}
