using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Pacs.Dicom;

/// <summary>
/// A readable, line-per-element dump of a data set in the spirit of dcmdump:
/// <c>(0010,0010) PN [Doe^John]  # 8, 1 PatientName</c>. Sequences and items are indented; long values are
/// shortened; bulk data shows its offset and length instead of its bytes.
/// </summary>
public sealed class DicomDumpWriter
{
    private readonly TextWriter _output;
    private readonly StringBuilder _line = new(160);

    public DicomDumpWriter(TextWriter output) => _output = output;

    /// <summary>Values longer than this many characters are cut with "...". Default 64.</summary>
    public int MaxValueChars { get; init; } = 64;

    /// <summary>Binary values show at most this many numbers. Default 8.</summary>
    public int MaxBinaryValues { get; init; } = 8;

    public void Write(DicomFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        _output.Write("# File Meta Information\n");
        Write(file.FileMetaInformation, 0);
        _output.Write("# Data Set (");
        _output.Write(file.TransferSyntax.Name);
        _output.Write(")\n");
        Write(file.Dataset, 0);
        foreach (var warning in file.Warnings)
        {
            _output.Write("# warning: ");
            _output.Write(warning);
            _output.Write('\n');
        }
    }

    public void Write(DicomDataset dataset, int depth)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        foreach (var element in dataset)
        {
            WriteElement(dataset, element, depth);
        }
    }

    private void WriteElement(DicomDataset dataset, DicomElement element, int depth)
    {
        var entry = DicomDictionary.Lookup(element.Tag);
        var keyword = entry?.Keyword;
        if (string.IsNullOrEmpty(keyword))
        {
            keyword = element.Tag.IsPrivateCreator ? "PrivateCreator" : element.Tag.IsPrivate ? "PrivateTag" : "Unknown";
        }

        _line.Clear();
        _line.Append(' ', depth * 2);
        _line.Append(element.Tag.ToString()).Append(' ').Append(element.VR.Code()).Append(' ');
        switch (element)
        {
            case DicomSequence sq:
                _line.Append("(Sequence with ").Append(sq.UndefinedLength ? "undefined" : "explicit").Append(" length #=").Append(sq.Items.Count).Append(')');
                Finish(sq.UndefinedLength ? "u/l" : sq.EncodedLength.ToString(CultureInfo.InvariantCulture), 1, keyword);
                for (var i = 0; i < sq.Items.Count; i++)
                {
                    var item = sq.Items[i];
                    _line.Clear();
                    _line.Append(' ', (depth + 1) * 2).Append("(fffe,e000) na (Item with ").Append(item.EncodedLength < 0 ? "undefined" : "explicit").Append(" length #=").Append(item.Count).Append(')');
                    Finish(item.EncodedLength < 0 ? "u/l" : item.EncodedLength.ToString(CultureInfo.InvariantCulture), 1, "Item");
                    Write(item, depth + 2);
                }

                return;
            case DicomFragmentSequence fragments:
                _line.Append("(PixelSequence #=").Append(fragments.Fragments.Count + 1).Append(')');
                Finish("u/l", 1, keyword);
                _line.Clear();
                _line.Append(' ', (depth + 1) * 2).Append("(fffe,e000) pi (offset table, ").Append(fragments.OffsetTable.Length).Append(" bytes)");
                Finish(fragments.OffsetTable.Length.ToString(CultureInfo.InvariantCulture), 1, "Item");
                foreach (var fragment in fragments.Fragments)
                {
                    _line.Clear();
                    _line.Append(' ', (depth + 1) * 2).Append("(fffe,e000) pi (fragment at offset ").Append(fragment.ValueOffset).Append(')');
                    Finish(fragment.Length.ToString(CultureInfo.InvariantCulture), 1, "Item");
                }

                return;
        }

        if (element.IsBulkData)
        {
            _line.Append("(not loaded: ").Append(element.Length).Append(" bytes at offset ").Append(element.ValueOffset).Append(')');
            Finish(element.Length.ToString(CultureInfo.InvariantCulture), 1, keyword);
            return;
        }

        var multiplicity = AppendValue(dataset, element);
        Finish(element.Length.ToString(CultureInfo.InvariantCulture), multiplicity, keyword);
    }

    private int AppendValue(DicomDataset dataset, DicomElement element)
    {
        var vr = element.VR;
        if (element.Length == 0)
        {
            _line.Append("(no value available)");
            return 0;
        }

        if (vr.IsString())
        {
            var text = dataset.DecodeRaw(element).TrimEnd(' ', '\0');
            var count = vr.IsSingleValuedText() ? 1 : text.AsSpan().Count('\\') + 1;
            _line.Append('[');
            AppendShortened(text);
            _line.Append(']');
            return count;
        }

        var span = element.Value.Span;
        var size = vr == DicomVR.AT ? 4 : Math.Max(1, vr.BinaryValueSize());
        var total = span.Length / size;
        var shown = Math.Min(total, MaxBinaryValues);
        for (var i = 0; i < shown; i++)
        {
            if (i > 0)
            {
                _line.Append('\\');
            }

            var v = span.Slice(i * size, size);
            switch (vr)
            {
                case DicomVR.US or DicomVR.OW: _line.Append(BinaryPrimitives.ReadUInt16LittleEndian(v)); break;
                case DicomVR.SS: _line.Append(BinaryPrimitives.ReadInt16LittleEndian(v)); break;
                case DicomVR.UL or DicomVR.OL: _line.Append(BinaryPrimitives.ReadUInt32LittleEndian(v)); break;
                case DicomVR.SL: _line.Append(BinaryPrimitives.ReadInt32LittleEndian(v)); break;
                case DicomVR.FL or DicomVR.OF: _line.Append(BinaryPrimitives.ReadSingleLittleEndian(v).ToString("R", CultureInfo.InvariantCulture)); break;
                case DicomVR.FD or DicomVR.OD: _line.Append(BinaryPrimitives.ReadDoubleLittleEndian(v).ToString("R", CultureInfo.InvariantCulture)); break;
                case DicomVR.SV: _line.Append(BinaryPrimitives.ReadInt64LittleEndian(v)); break;
                case DicomVR.UV or DicomVR.OV: _line.Append(BinaryPrimitives.ReadUInt64LittleEndian(v)); break;
                case DicomVR.AT:
                    _line.Append('(').Append(BinaryPrimitives.ReadUInt16LittleEndian(v).ToString("x4", CultureInfo.InvariantCulture)).Append(',')
                        .Append(BinaryPrimitives.ReadUInt16LittleEndian(v[2..]).ToString("x4", CultureInfo.InvariantCulture)).Append(')');
                    break;
                default: _line.Append(v[0].ToString("x2", CultureInfo.InvariantCulture)); break;
            }
        }

        if (total > shown)
        {
            _line.Append("...");
        }

        return vr is DicomVR.OB or DicomVR.OW or DicomVR.OF or DicomVR.OD or DicomVR.OL or DicomVR.OV or DicomVR.UN ? 1 : total;
    }

    private void AppendShortened(string text)
    {
        if (text.Length <= MaxValueChars)
        {
            AppendPrintable(text);
            return;
        }

        AppendPrintable(text.AsSpan(0, MaxValueChars));
        _line.Append("...");
    }

    private void AppendPrintable(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            _line.Append(char.IsControl(c) ? '.' : c);
        }
    }

    private void Finish(string length, int multiplicity, string keyword)
    {
        var pad = 56 - _line.Length;
        if (pad > 0)
        {
            _line.Append(' ', pad);
        }

        _line.Append(" # ").Append(length).Append(", ").Append(multiplicity).Append(' ').Append(keyword).Append('\n');
        _output.Write(_line);
    }
}
