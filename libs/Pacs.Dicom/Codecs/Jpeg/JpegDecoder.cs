using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Pacs.Dicom.Codecs.Jpeg;

/// <summary>The samples of a decoded JPEG image: one full-size plane per component, before any colour conversion.</summary>
internal sealed class JpegImage
{
    public required int Width { get; init; }

    public required int Height { get; init; }

    /// <summary>Sample precision P of the frame header (T.81 B.2.2).</summary>
    public required int Precision { get; init; }

    /// <summary>True for the lossless process (SOF3): no colour transform ever applies.</summary>
    public required bool IsLossless { get; init; }

    /// <summary>Width × Height samples per component, row by row.</summary>
    public required ushort[][] Planes { get; init; }

    public required byte[] ComponentIds { get; init; }

    /// <summary>The Adobe APP14 colour transform flag (0 none, 1 YCbCr, 2 YCCK); -1 without such a marker.</summary>
    public int AdobeTransform { get; init; } = -1;

    public bool HasJfif { get; init; }
}

/// <summary>
/// A decoder for the Huffman-coded JPEG processes DICOM uses (ITU-T T.81 | ISO/IEC 10918-1): baseline and
/// extended sequential DCT (SOF0, SOF1; 8 and 12 bits, processes 1, 2 and 4), progressive DCT (SOF2, process
/// 10/12) and lossless (SOF3, process 14; 2 to 16 bits, predictors 1 to 7, point transform), with restart
/// intervals. Arithmetic coding and the hierarchical processes are refused with a clear error.
/// <para>
/// Every loop is bounded by the frame size (which the caller limits), and corrupt or truncated entropy-coded
/// data raises <see cref="DicomCodecException"/>: the bit reader feeds zero bits past the end of the data, and a
/// scan that needed any of them is reported as truncated.
/// </para>
/// </summary>
internal sealed class JpegDecoder
{
    private static readonly byte[] ZigZag =
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55,
        62, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
    ];

    private readonly byte[] _data;
    private readonly int _maxWidth;
    private readonly int _maxHeight;
    private readonly JpegHuffmanDecodeTable?[] _dcTables = new JpegHuffmanDecodeTable?[4];
    private readonly JpegHuffmanDecodeTable?[] _acTables = new JpegHuffmanDecodeTable?[4];
    private readonly int[]?[] _quantTables = new int[4][];
    private int _pos;
    private int _restartInterval;
    private int _adobeTransform = -1;
    private bool _jfif;

    // Frame
    private Component[] _components = [];
    private int _width;
    private int _height;
    private int _precision;
    private bool _lossless;
    private bool _progressive;
    private int _maxH;
    private int _maxV;
    private int _mcusX;
    private int _mcusY;

    // Bit reader (T.81 F.2.2.5 with the byte stuffing of F.1.2.3).
    private ulong _bits;
    private int _bitCount;
    private bool _atMarker;
    private int _paddingBits;

    // Progressive state
    private int _eobRun;

    private JpegDecoder(byte[] data, int maxWidth, int maxHeight)
    {
        _data = data;
        _maxWidth = maxWidth;
        _maxHeight = maxHeight;
    }

    /// <summary>Decodes a complete JPEG stream (SOI to EOI) whose frame is at most <paramref name="maxWidth"/> × <paramref name="maxHeight"/>.</summary>
    /// <exception cref="DicomCodecException">The stream is corrupt, truncated, larger than allowed or uses a process not supported.</exception>
    public static JpegImage Decode(byte[] data, int maxWidth, int maxHeight)
    {
        // Every read is bounds-checked by the runtime; a segment that lies about its length ends in the guard.
        return JpegMarkers.Guard(
            () => new JpegDecoder(data, maxWidth, maxHeight).Run(),
            "The JPEG stream ends inside a marker segment or a table (T.81 B.1.1.4).");
    }

    private JpegImage Run()
    {
        if (_data.Length < 4 || _data[0] != 0xFF || _data[1] != 0xD8)
        {
            throw new DicomCodecException("The frame does not start with a JPEG SOI marker (FFD8, T.81 B.2.1).");
        }

        _pos = 2;
        var scans = 0;
        while (true)
        {
            var marker = NextMarker(allowEnd: scans > 0);
            if (marker is null or 0xD9)
            {
                break; // EOI, or the data ended after at least one scan (some writers drop the EOI).
            }

            switch (marker.Value)
            {
                case 0xC0 or 0xC1 or 0xC2 or 0xC3:
                    ReadFrameHeader(marker.Value);
                    break;
                case 0xC4:
                    ReadHuffmanTables();
                    break;
                case 0xDB:
                    ReadQuantizationTables();
                    break;
                case 0xDD:
                    var dri = Segment();
                    _restartInterval = BinaryPrimitives.ReadUInt16BigEndian(dri);
                    break;
                case 0xDA:
                    ReadScan();
                    scans++;
                    break;
                case 0xE0:
                    var app0 = Segment();
                    _jfif |= app0.Length >= 5 && app0[..5].SequenceEqual("JFIF\0"u8);
                    break;
                case 0xEE:
                    var app14 = Segment();
                    if (app14.Length >= 12 && app14[..5].SequenceEqual("Adobe"u8))
                    {
                        _adobeTransform = app14[11];
                    }

                    break;
                case 0xDC:
                    throw new DicomCodecException("The JPEG stream defines its number of lines with a DNL marker (T.81 B.2.5), which is not supported.");
                case 0xF7:
                    throw new DicomCodecException("The frame is a JPEG-LS stream (SOF55), not a T.81 JPEG stream; the transfer syntax is mislabelled.");
                case >= 0xC5 and <= 0xCF:
                    throw new DicomCodecException($"JPEG process with marker FF{marker.Value:X2} (hierarchical or arithmetic coding, T.81 B.1.1.3) is not supported.");
                case >= 0xD0 and <= 0xD7:
                    break; // a stray restart marker between segments carries nothing.
                case 0xD8:
                    throw new DicomCodecException("The JPEG stream holds a second SOI marker before its EOI.");
                default:
                    Segment(); // APPn, COM, and the reserved markers with a length (B.1.1.4).
                    break;
            }
        }

        if (_components.Length == 0 || scans == 0)
        {
            throw new DicomCodecException("The JPEG stream ends before a frame header and a scan (T.81 B.2).");
        }

        foreach (var c in _components)
        {
            if (!c.Seen)
            {
                throw new DicomCodecException($"The JPEG stream has no scan for component {c.Id} (T.81 B.2.3).");
            }
        }

        if (_progressive)
        {
            FinishProgressive();
        }

        return new JpegImage
        {
            Width = _width,
            Height = _height,
            Precision = _precision,
            IsLossless = _lossless,
            Planes = Upsample(),
            ComponentIds = _components.Select(c => (byte)c.Id).ToArray(),
            AdobeTransform = _adobeTransform,
            HasJfif = _jfif,
        };
    }

    // ------------------------------------------------------------------ markers and segments

    /// <summary>The next marker code after the current position, skipping fill bytes (B.1.1.2) and stray bytes; null at the end when allowed.</summary>
    private int? NextMarker(bool allowEnd) => JpegMarkers.Next(_data, ref _pos, allowEnd, JpegMarkers.T81MinMarkerCode, "JPEG");

    /// <summary>The parameters of a marker segment (after its two length bytes), advancing past it.</summary>
    private ReadOnlySpan<byte> Segment() => JpegMarkers.Segment(_data, ref _pos, "JPEG", "T.81 B.1.1.4");

    private void ReadFrameHeader(int marker)
    {
        if (_components.Length != 0)
        {
            throw new DicomCodecException("The JPEG stream has more than one frame header (T.81 B.2.2).");
        }

        var s = Segment();
        _precision = s[0];
        _height = BinaryPrimitives.ReadUInt16BigEndian(s[1..]);
        _width = BinaryPrimitives.ReadUInt16BigEndian(s[3..]);
        int count = s[5];
        _lossless = marker == 0xC3;
        _progressive = marker == 0xC2;
        if (_lossless ? _precision is < 2 or > 16 : _precision is not (8 or 12))
        {
            throw new DicomCodecException($"JPEG sample precision {_precision} is not allowed for SOF{marker - 0xC0} (T.81 B.2.2: 8 or 12 for DCT, 2 to 16 lossless).");
        }

        if (marker == 0xC0 && _precision != 8)
        {
            throw new DicomCodecException($"A baseline JPEG frame (SOF0) has precision {_precision}; baseline is 8-bit only (T.81 B.2.2).");
        }

        if (_height == 0)
        {
            throw new DicomCodecException("The JPEG frame header gives 0 lines (a DNL marker would follow), which is not supported.");
        }

        if (_width == 0 || _width > _maxWidth || _height > _maxHeight)
        {
            throw new DicomCodecException($"The JPEG frame is {_width}×{_height}; the image attributes allow at most {_maxWidth}×{_maxHeight}.");
        }

        if (count is < 1 or > 4 || s.Length < 6 + (3 * count))
        {
            throw new DicomCodecException($"The JPEG frame header declares {count} components (T.81 B.2.2: 1 to 4 with 3 bytes each).");
        }

        _components = new Component[count];
        for (var i = 0; i < count; i++)
        {
            var p = s.Slice(6 + (3 * i), 3);
            var h = p[1] >> 4;
            var v = p[1] & 15;
            if (h is < 1 or > 4 || v is < 1 or > 4 || p[2] > 3)
            {
                throw new DicomCodecException($"JPEG component {p[0]} has sampling factors {h}×{v} and table {p[2]} (T.81 B.2.2: 1 to 4, table 0 to 3).");
            }

            _components[i] = new Component { Id = p[0], H = h, V = v, Tq = p[2] };
        }

        _maxH = _components.Max(c => c.H);
        _maxV = _components.Max(c => c.V);
        if (_lossless && count > 1 && (_maxH > 1 || _maxV > 1))
        {
            throw new DicomCodecException("Lossless JPEG with subsampled components is not supported.");
        }

        var unitSize = _lossless ? 1 : 8;
        _mcusX = (_width + (unitSize * _maxH) - 1) / (unitSize * _maxH);
        _mcusY = (_height + (unitSize * _maxV) - 1) / (unitSize * _maxV);
        foreach (var c in _components)
        {
            // A.1.1: component dimensions round up.
            c.Width = ((_width * c.H) + _maxH - 1) / _maxH;
            c.Height = ((_height * c.V) + _maxV - 1) / _maxV;
            c.BlocksX = (c.Width + unitSize - 1) / unitSize;
            c.BlocksY = (c.Height + unitSize - 1) / unitSize;
            c.Stride = _mcusX * c.H * unitSize;
            c.Plane = new ushort[c.Stride * _mcusY * c.V * unitSize];
            if (_progressive)
            {
                c.Coefficients = new short[_mcusX * c.H * _mcusY * c.V * 64];
            }
        }
    }

    private void ReadHuffmanTables()
    {
        var s = Segment();
        while (s.Length > 0)
        {
            var tc = s[0] >> 4;
            var th = s[0] & 15;
            if (tc > 1 || th > 3 || s.Length < 17)
            {
                throw new DicomCodecException($"A JPEG DHT segment defines table class {tc} index {th} (T.81 B.2.4.2: class 0 or 1, index 0 to 3).");
            }

            var bits = s.Slice(1, 16);
            var total = 0;
            foreach (var b in bits)
            {
                total += b;
            }

            if (total > 256 || s.Length < 17 + total)
            {
                throw new DicomCodecException($"A JPEG Huffman table lists {total} symbols, more than the segment holds (T.81 B.2.4.2).");
            }

            var table = new JpegHuffmanDecodeTable(bits, s.Slice(17, total));
            (tc == 0 ? _dcTables : _acTables)[th] = table;
            s = s[(17 + total)..];
        }
    }

    private void ReadQuantizationTables()
    {
        var s = Segment();
        while (s.Length > 0)
        {
            var pq = s[0] >> 4;
            var tq = s[0] & 15;
            var size = pq == 0 ? 64 : 128;
            if (pq > 1 || tq > 3 || s.Length < 1 + size)
            {
                throw new DicomCodecException($"A JPEG DQT segment defines table {tq} of precision {pq} beyond its length (T.81 B.2.4.1).");
            }

            var table = new int[64];
            for (var k = 0; k < 64; k++)
            {
                // B.2.4.1: values arrive in zig-zag order; kept in natural order for dequantisation.
                table[ZigZag[k]] = pq == 0 ? s[1 + k] : BinaryPrimitives.ReadUInt16BigEndian(s[(1 + (2 * k))..]);
            }

            _quantTables[tq] = table;
            s = s[(1 + size)..];
        }
    }

    // ------------------------------------------------------------------ scans

    private void ReadScan()
    {
        if (_components.Length == 0)
        {
            throw new DicomCodecException("A JPEG scan (SOS) comes before the frame header (T.81 B.2).");
        }

        var s = Segment();
        int count = s[0];
        if (count is < 1 or > 4 || s.Length < 4 + (2 * count))
        {
            throw new DicomCodecException($"A JPEG scan header declares {count} components (T.81 B.2.3: 1 to 4).");
        }

        var scan = new Component[count];
        for (var i = 0; i < count; i++)
        {
            var id = s[1 + (2 * i)];
            var c = Array.Find(_components, x => x.Id == id)
                ?? throw new DicomCodecException($"A JPEG scan names component {id}, which the frame header does not declare (T.81 B.2.3).");
            c.Td = s[2 + (2 * i)] >> 4;
            c.Ta = s[2 + (2 * i)] & 15;
            if (c.Td > 3 || c.Ta > 3)
            {
                throw new DicomCodecException($"A JPEG scan selects Huffman table {c.Td}/{c.Ta} for component {id} (T.81 B.2.3: 0 to 3).");
            }

            c.Seen = true;
            scan[i] = c;
        }

        int ss = s[1 + (2 * count)];
        int se = s[2 + (2 * count)];
        var ah = s[3 + (2 * count)] >> 4;
        var al = s[3 + (2 * count)] & 15;

        var blocksInMcu = scan.Sum(c => c.H * c.V);
        if (count > 1 && blocksInMcu > 10)
        {
            throw new DicomCodecException($"A JPEG MCU of {blocksInMcu} data units exceeds the limit of 10 (T.81 B.2.3).");
        }

        StartEntropyData();
        if (_lossless)
        {
            if (ss is < 1 or > 7 || al >= _precision)
            {
                throw new DicomCodecException($"Lossless JPEG selection value {ss} and point transform {al} are not valid for precision {_precision} (T.81 H.1.2).");
            }

            DecodeLosslessScan(scan, ss, al);
        }
        else if (_progressive)
        {
            DecodeProgressiveScan(scan, ss, se, ah, al);
        }
        else
        {
            if (ss != 0 || se != 63 || ah != 0 || al != 0)
            {
                // Some writers put nonsense here in sequential scans; T.81 B.2.3 fixes the values, and they change nothing.
            }

            DecodeSequentialScan(scan);
        }

        FinishEntropyData();
    }

    /// <summary>
    /// Counts down the MCUs of a restart interval (T.81 B.2.4.4); when one is complete before MCU
    /// <paramref name="m"/>, reads the RSTn marker and resets the DC predictions (F.2.1.3.1). True after a restart.
    /// </summary>
    private bool RestartIfDue(Component[] scan, int m, ref int left)
    {
        var restart = _restartInterval;
        if (restart <= 0)
        {
            return false;
        }

        var due = left == 0;
        if (due)
        {
            Restart(m / restart);
            foreach (var c in scan)
            {
                c.Pred = 0;
            }

            left = restart;
        }

        left--;
        return due;
    }

    private void DecodeSequentialScan(Component[] scan)
    {
        foreach (var c in scan)
        {
            c.DcHuffman = _dcTables[c.Td] ?? throw MissingTable("DC", c.Td);
            c.AcHuffman = _acTables[c.Ta] ?? throw MissingTable("AC", c.Ta);
            c.Quant = _quantTables[c.Tq] ?? throw new DicomCodecException($"Quantization table {c.Tq} is used before it is defined (T.81 B.2.4.1).");
            c.Pred = 0;
        }

        Span<int> block = stackalloc int[64];
        var single = scan.Length == 1;
        var mcusX = single ? scan[0].BlocksX : _mcusX;
        var mcusY = single ? scan[0].BlocksY : _mcusY;
        var total = mcusX * mcusY;
        var left = _restartInterval;
        for (var m = 0; m < total; m++)
        {
            RestartIfDue(scan, m, ref left);

            var mx = m % mcusX;
            var my = m / mcusX;
            if (single)
            {
                var c = scan[0];
                var hasAc = DecodeBlock(c, block);
                JpegIdct.Transform(block, c.Plane, (my * 8 * c.Stride) + (mx * 8), c.Stride, _precision, hasAc);
                continue;
            }

            foreach (var c in scan)
            {
                for (var v = 0; v < c.V; v++)
                {
                    for (var h = 0; h < c.H; h++)
                    {
                        var hasAc = DecodeBlock(c, block);
                        var bx = (mx * c.H) + h;
                        var by = (my * c.V) + v;
                        JpegIdct.Transform(block, c.Plane, (by * 8 * c.Stride) + (bx * 8), c.Stride, _precision, hasAc);
                    }
                }
            }
        }
    }

    /// <summary>
    /// F.2.2.1 and F.2.2.2: one 8×8 block's DC difference and AC run/size pairs, dequantised into natural order. True
    /// when any AC coefficient was coded.
    /// </summary>
    private bool DecodeBlock(Component c, Span<int> block)
    {
        var hasAc = false;
        block.Clear();
        var quant = c.Quant!;
        var t = DecodeSymbol(c.DcHuffman!);
        if (t > 16)
        {
            throw new DicomCodecException($"A JPEG DC difference category of {t} bits is beyond the 16 allowed (T.81 F.1.2.1).");
        }

        var diff = t == 0 ? 0 : Extend(Receive(t), t);
        c.Pred += diff;
        block[0] = c.Pred * quant[0];

        var ac = c.AcHuffman!;
        for (var k = 1; k < 64;)
        {
            var rs = DecodeSymbol(ac);
            var r = rs >> 4;
            var size = rs & 15;
            if (size == 0)
            {
                if (r != 15)
                {
                    break; // EOB
                }

                k += 16; // ZRL
                continue;
            }

            k += r;
            if (k > 63)
            {
                throw new DicomCodecException("A JPEG block's AC coefficients run past the 64th (T.81 F.1.2.2).");
            }

            var z = ZigZag[k];
            block[z] = Extend(Receive(size), size) * quant[z];
            hasAc = true;
            k++;
        }

        return hasAc;
    }

    // ------------------------------------------------------------------ progressive (T.81 G.1.2)

    private void DecodeProgressiveScan(Component[] scan, int ss, int se, int ah, int al)
    {
        var dcScan = ss == 0;
        if ((dcScan ? se != 0 : se < ss || se > 63 || scan.Length != 1) || al > 13)
        {
            throw new DicomCodecException($"A progressive JPEG scan has spectral selection {ss}..{se} over {scan.Length} components (T.81 G.1.1.1.1).");
        }

        foreach (var c in scan)
        {
            if (dcScan && ah == 0)
            {
                c.DcHuffman = _dcTables[c.Td] ?? throw MissingTable("DC", c.Td);
            }

            if (!dcScan)
            {
                c.AcHuffman = _acTables[c.Ta] ?? throw MissingTable("AC", c.Ta);
            }

            c.Pred = 0;
        }

        _eobRun = 0;
        var single = scan.Length == 1;
        var mcusX = single ? scan[0].BlocksX : _mcusX;
        var mcusY = single ? scan[0].BlocksY : _mcusY;
        var total = mcusX * mcusY;
        var left = _restartInterval;
        for (var m = 0; m < total; m++)
        {
            if (RestartIfDue(scan, m, ref left))
            {
                _eobRun = 0; // an EOB run never crosses a restart marker
            }

            var mx = m % mcusX;
            var my = m / mcusX;
            if (single)
            {
                var c = scan[0];
                ProgressiveBlock(c, (((my * _mcusX * c.H) + mx) * 64), dcScan, ss, se, ah, al);
                continue;
            }

            foreach (var c in scan)
            {
                for (var v = 0; v < c.V; v++)
                {
                    for (var h = 0; h < c.H; h++)
                    {
                        var bx = (mx * c.H) + h;
                        var by = (my * c.V) + v;
                        ProgressiveBlock(c, ((by * _mcusX * c.H) + bx) * 64, dcScan, ss, se, ah, al);
                    }
                }
            }
        }
    }

    private void ProgressiveBlock(Component c, int at, bool dcScan, int ss, int se, int ah, int al)
    {
        var coef = c.Coefficients.AsSpan(at, 64);
        if (dcScan)
        {
            if (ah == 0)
            {
                // G.1.2.1: the DC first scan codes the difference of the point-transformed value.
                var t = DecodeSymbol(c.DcHuffman!);
                if (t > 16)
                {
                    throw new DicomCodecException($"A JPEG DC difference category of {t} bits is beyond the 16 allowed (T.81 F.1.2.1).");
                }

                c.Pred += t == 0 ? 0 : Extend(Receive(t), t);
                coef[0] = (short)(c.Pred << al);
            }
            else if (Receive(1) != 0)
            {
                coef[0] |= (short)(1 << al);
            }

            return;
        }

        if (ah == 0)
        {
            // G.1.2.2: AC first scan with end-of-band runs.
            if (_eobRun > 0)
            {
                _eobRun--;
                return;
            }

            for (var k = ss; k <= se;)
            {
                var rs = DecodeSymbol(c.AcHuffman!);
                var r = rs >> 4;
                var size = rs & 15;
                if (size == 0)
                {
                    if (r < 15)
                    {
                        _eobRun = (1 << r) - 1;
                        if (r > 0)
                        {
                            _eobRun += Receive(r);
                        }

                        break;
                    }

                    k += 16;
                    continue;
                }

                k += r;
                if (k > 63)
                {
                    throw new DicomCodecException("A progressive JPEG block's AC coefficients run past the 64th (T.81 G.1.2.2).");
                }

                coef[ZigZag[k]] = (short)(Extend(Receive(size), size) * (1 << al));
                k++;
            }

            return;
        }

        // G.1.2.3: AC refinement: a correction bit for each coefficient already non-zero, new ±1 coefficients placed after runs of zeros.
        var p1 = 1 << al;
        var m1 = -1 << al;
        var kk = ss;
        if (_eobRun <= 0)
        {
            for (; kk <= se;)
            {
                var rs = DecodeSymbol(c.AcHuffman!);
                var r = rs >> 4;
                var size = rs & 15;
                var value = 0;
                if (size != 0)
                {
                    if (size != 1)
                    {
                        throw new DicomCodecException($"A progressive refinement scan codes a coefficient of size {size}; only 1 is allowed (T.81 G.1.2.3).");
                    }

                    value = Receive(1) != 0 ? p1 : m1;
                }
                else if (r != 15)
                {
                    _eobRun = 1 << r;
                    if (r > 0)
                    {
                        _eobRun += Receive(r);
                    }

                    break;
                }

                while (kk <= se)
                {
                    var z = ZigZag[kk];
                    if (coef[z] != 0)
                    {
                        RefineBit(coef, z, p1, m1);
                    }
                    else
                    {
                        if (r == 0)
                        {
                            if (value != 0)
                            {
                                coef[z] = (short)value;
                            }

                            kk++;
                            break;
                        }

                        r--;
                    }

                    kk++;
                }
            }
        }

        if (_eobRun > 0)
        {
            for (; kk <= se; kk++)
            {
                var z = ZigZag[kk];
                if (coef[z] != 0)
                {
                    RefineBit(coef, z, p1, m1);
                }
            }

            _eobRun--;
        }
    }

    private void RefineBit(Span<short> coef, int z, int p1, int m1)
    {
        if (Receive(1) != 0 && (coef[z] & p1) == 0)
        {
            coef[z] = (short)(coef[z] >= 0 ? coef[z] + p1 : coef[z] + m1);
        }
    }

    private void FinishProgressive()
    {
        Span<int> block = stackalloc int[64];
        foreach (var c in _components)
        {
            var quant = _quantTables[c.Tq] ?? throw new DicomCodecException($"Quantization table {c.Tq} is never defined (T.81 B.2.4.1).");
            var blocksPerRow = _mcusX * c.H;
            for (var by = 0; by < c.BlocksY; by++)
            {
                for (var bx = 0; bx < c.BlocksX; bx++)
                {
                    var coef = c.Coefficients.AsSpan(((by * blocksPerRow) + bx) * 64, 64);
                    var hasAc = false;
                    block[0] = coef[0] * quant[0];
                    for (var i = 1; i < 64; i++)
                    {
                        block[i] = coef[i] * quant[i];
                        hasAc |= coef[i] != 0;
                    }

                    JpegIdct.Transform(block, c.Plane, (by * 8 * c.Stride) + (bx * 8), c.Stride, _precision, hasAc);
                }
            }
        }
    }

    // ------------------------------------------------------------------ lossless (T.81 Annex H)

    private void DecodeLosslessScan(Component[] scan, int predictor, int pointTransform)
    {
        foreach (var c in scan)
        {
            c.DcHuffman = _dcTables[c.Td] ?? throw MissingTable("DC", c.Td);
        }

        // Non-interleaved scans code a component at its own size; interleaved ones need 1×1 sampling (checked at SOF3).
        var width = scan.Length == 1 ? scan[0].Width : _width;
        var height = scan.Length == 1 ? scan[0].Height : _height;
        var initial = 1 << (_precision - pointTransform - 1);
        var restart = _restartInterval;
        var left = restart;
        var intervalStartRow = 0;
        var intervalStartColumn = 0;
        var total = (long)width * height;
        var n = scan.Length;
        var planes = new ushort[n][];
        var strides = new int[n];
        for (var i = 0; i < n; i++)
        {
            planes[i] = scan[i].Plane;
            strides[i] = scan[i].Stride;
        }

        // Rows and columns are counted rather than divided out of the sample number: a 64-bit division per sample costs
        // more than the rest of the loop.
        long m = -1;
        for (int y = 0, x = -1; ++m < total;)
        {
            if (++x == width)
            {
                x = 0;
                y++;
            }

            if (restart > 0)
            {
                if (left == 0)
                {
                    Restart((int)(m / restart));
                    left = restart;
                    intervalStartRow = y;
                    intervalStartColumn = x;
                }
                left--;
            }

            for (var i = 0; i < n; i++)
            {
                var plane = planes[i];
                var stride = strides[i];
                var at = (y * stride) + x;
                int prediction;

                // H.1.2.1: the first sample of the scan or of a restart interval takes 2^(P-Pt-1); the rest of that first
                // line takes Ra; later lines start with Rb and then use the selected predictor.
                if (y == intervalStartRow && x == intervalStartColumn)
                {
                    prediction = initial;
                }
                else if (y == intervalStartRow)
                {
                    prediction = plane[at - 1];
                }
                else if (x == 0)
                {
                    prediction = plane[at - stride];
                }
                else
                {
                    int ra = plane[at - 1];
                    int rb = plane[at - stride];
                    int rc = plane[at - stride - 1];
                    prediction = predictor switch
                    {
                        1 => ra,
                        2 => rb,
                        3 => rc,
                        4 => ra + rb - rc,
                        5 => ra + ((rb - rc) >> 1),
                        6 => rb + ((ra - rc) >> 1),
                        _ => (ra + rb) >> 1,
                    };
                }

                var t = DecodeSymbol(scan[i].DcHuffman!);
                int diff;
                if (t == 0)
                {
                    diff = 0;
                }
                else if (t == 16)
                {
                    diff = 32768; // H.1.2.2: category 16 has no extra bits.
                }
                else if (t < 16)
                {
                    diff = Extend(Receive(t), t);
                }
                else
                {
                    throw new DicomCodecException($"A lossless JPEG difference category of {t} is beyond 16 (T.81 H.1.2.2).");
                }

                // H.1.2.2: differences are modulo 2^16.
                plane[at] = (ushort)(prediction + diff);
            }
        }

        if (pointTransform > 0)
        {
            foreach (var c in scan)
            {
                var plane = c.Plane;
                for (var i = 0; i < plane.Length; i++)
                {
                    plane[i] = (ushort)(plane[i] << pointTransform);
                }
            }
        }
    }

    // ------------------------------------------------------------------ entropy-coded data

    private void StartEntropyData()
    {
        _bits = 0;
        _bitCount = 0;
        _atMarker = false;
        _paddingBits = 0;
    }

    private void FinishEntropyData()
    {
        CheckNotTruncated();
        _bits = 0;
        _bitCount = 0;
        _atMarker = false;

        // The position is at the marker that ended the data (or past the last byte read); the next marker is found from here.
    }

    private void CheckNotTruncated()
    {
        if (_paddingBits - _bitCount > 0)
        {
            throw new DicomCodecException("The JPEG entropy-coded data ends before the last data unit of the scan is complete: the stream is truncated or corrupt.");
        }
    }

    /// <summary>
    /// F.2.2.5 / E.2.4: at the end of a restart interval the bit buffer is emptied and RSTm must follow; interval
    /// <paramref name="intervalNumber"/> (1 for the second) is preceded by RST((n-1) mod 8).
    /// </summary>
    private void Restart(int intervalNumber)
    {
        CheckNotTruncated();
        _bits = 0;
        _bitCount = 0;
        _paddingBits = 0;
        _atMarker = false;
        while (_pos < _data.Length && _data[_pos] == 0xFF && _pos + 1 < _data.Length && _data[_pos + 1] == 0xFF)
        {
            _pos++; // fill bytes before the marker (B.1.1.2)
        }

        var expected = 0xD0 + ((intervalNumber - 1) & 7);
        if (_pos + 1 >= _data.Length || _data[_pos] != 0xFF || _data[_pos + 1] != expected)
        {
            throw new DicomCodecException($"Restart marker RST{(intervalNumber - 1) & 7} is missing where restart interval {intervalNumber + 1} begins (T.81 B.2.1, F.2.2.5).");
        }

        _pos += 2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Fill()
    {
        while (_bitCount <= 56)
        {
            int b;
            if (_atMarker || _pos >= _data.Length)
            {
                _atMarker = true;
                b = 0;
                _paddingBits += 8;
            }
            else
            {
                b = _data[_pos];
                if (b == 0xFF)
                {
                    var next = _pos + 1 < _data.Length ? _data[_pos + 1] : -1;
                    if (next == 0x00)
                    {
                        _pos += 2; // F.1.2.3: a stuffed zero byte after 0xFF
                    }
                    else
                    {
                        // A marker (or the end of data): the entropy-coded segment is over; pad with zero bits.
                        _atMarker = true;
                        b = 0;
                        _paddingBits += 8;
                    }
                }
                else
                {
                    _pos++;
                }
            }

            _bits = (_bits << 8) | (uint)b;
            _bitCount += 8;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Receive(int count)
    {
        if (_bitCount < count)
        {
            Fill();
        }

        _bitCount -= count;
        return (int)(_bits >> _bitCount) & ((1 << count) - 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Extend(int v, int t) => v < (1 << (t - 1)) ? v + (-1 << t) + 1 : v;

    /// <summary>F.2.2.3 DECODE, with a 9-bit look-up for the common short codes.</summary>
    private int DecodeSymbol(JpegHuffmanDecodeTable table)
    {
        if (_bitCount < 16)
        {
            Fill();
        }

        var peek = (int)(_bits >> (_bitCount - JpegHuffmanDecodeTable.LookupBits)) & ((1 << JpegHuffmanDecodeTable.LookupBits) - 1);
        var entry = table.Lookup[peek];
        if (entry != 0)
        {
            _bitCount -= entry >> 8;
            return entry & 0xFF;
        }

        for (var length = JpegHuffmanDecodeTable.LookupBits + 1; length <= 16; length++)
        {
            var code = (int)(_bits >> (_bitCount - length)) & ((1 << length) - 1);
            if (code <= table.MaxCode[length])
            {
                _bitCount -= length;
                return table.Values[table.ValueOffset[length] + code];
            }
        }

        throw new DicomCodecException("The JPEG entropy-coded data holds a bit pattern that is no code of its Huffman table: the stream is corrupt.");
    }

    private static DicomCodecException MissingTable(string kind, int index) =>
        new($"JPEG {kind} Huffman table {index} is used before it is defined (T.81 B.2.4.2).");

    // ------------------------------------------------------------------ upsampling

    /// <summary>
    /// Crops every component to the image and brings subsampled ones to full size. Factors of 2 use the triangle
    /// ("fancy") interpolation common decoders apply, so that colour images match theirs exactly: horizontally
    /// 3/4·nearest + 1/4·next, and for 2×2 the same in both directions; other factors replicate samples.
    /// </summary>
    private ushort[][] Upsample()
    {
        var planes = new ushort[_components.Length][];
        for (var ci = 0; ci < _components.Length; ci++)
        {
            var c = _components[ci];
            var hf = _maxH / c.H;
            var vf = _maxV / c.V;
            if (hf * c.H != _maxH || vf * c.V != _maxV)
            {
                throw new DicomCodecException($"JPEG component {c.Id} has sampling {c.H}×{c.V}, not an integral fraction of {_maxH}×{_maxV}; not supported.");
            }

            var output = new ushort[_width * _height];
            if (hf == 1 && vf == 1)
            {
                for (var y = 0; y < _height; y++)
                {
                    c.Plane.AsSpan(y * c.Stride, _width).CopyTo(output.AsSpan(y * _width));
                }
            }
            else if (hf == 2 && vf == 1 && c.Width > 2)
            {
                var row = new ushort[c.Width * 2];
                for (var y = 0; y < _height; y++)
                {
                    UpsampleRowH2(c.Plane.AsSpan(y * c.Stride, c.Width), row);
                    row.AsSpan(0, _width).CopyTo(output.AsSpan(y * _width));
                }
            }
            else if (hf == 2 && vf == 2 && c.Width > 2)
            {
                UpsampleH2V2(c, output);
            }
            else
            {
                for (var y = 0; y < _height; y++)
                {
                    var source = c.Plane.AsSpan((y / vf) * c.Stride);
                    var target = output.AsSpan(y * _width, _width);
                    for (var x = 0; x < _width; x++)
                    {
                        target[x] = source[x / hf];
                    }
                }
            }

            planes[ci] = output;
        }

        return planes;
    }

    private static void UpsampleRowH2(ReadOnlySpan<ushort> input, Span<ushort> output)
    {
        var w = input.Length;
        output[0] = input[0];
        output[1] = (ushort)(((input[0] * 3) + input[1] + 2) >> 2);
        for (var i = 1; i < w - 1; i++)
        {
            var v = input[i] * 3;
            output[2 * i] = (ushort)((v + input[i - 1] + 1) >> 2);
            output[(2 * i) + 1] = (ushort)((v + input[i + 1] + 2) >> 2);
        }

        output[(2 * w) - 2] = (ushort)(((input[w - 1] * 3) + input[w - 2] + 1) >> 2);
        output[(2 * w) - 1] = input[w - 1];
    }

    private void UpsampleH2V2(Component c, ushort[] output)
    {
        var w = c.Width;
        var row = new ushort[w * 2];
        var sums = new int[w];
        for (var y = 0; y < _height; y++)
        {
            var sy = y >> 1;

            // The nearer neighbour row: above for even output rows, below for odd ones, the edge row repeated at the borders.
            var ny = (y & 1) == 0 ? Math.Max(sy - 1, 0) : Math.Min(sy + 1, c.Height - 1);
            var near = c.Plane.AsSpan(sy * c.Stride, w);
            var far = c.Plane.AsSpan(ny * c.Stride, w);
            for (var x = 0; x < w; x++)
            {
                sums[x] = (near[x] * 3) + far[x];
            }

            row[0] = (ushort)(((sums[0] * 4) + 8) >> 4);
            row[1] = (ushort)(((sums[0] * 3) + sums[1] + 7) >> 4);
            for (var x = 1; x < w - 1; x++)
            {
                row[2 * x] = (ushort)(((sums[x] * 3) + sums[x - 1] + 8) >> 4);
                row[(2 * x) + 1] = (ushort)(((sums[x] * 3) + sums[x + 1] + 7) >> 4);
            }

            row[(2 * w) - 2] = (ushort)(((sums[w - 1] * 3) + sums[w - 2] + 8) >> 4);
            row[(2 * w) - 1] = (ushort)(((sums[w - 1] * 4) + 7) >> 4);
            row.AsSpan(0, _width).CopyTo(output.AsSpan(y * _width));
        }
    }

    private sealed class Component
    {
        public int Id;
        public int H;
        public int V;
        public int Tq;
        public int Td;
        public int Ta;
        public int Width;
        public int Height;
        public int BlocksX;
        public int BlocksY;
        public int Stride;
        public ushort[] Plane = [];
        public short[] Coefficients = [];
        public int Pred;
        public bool Seen;
        public JpegHuffmanDecodeTable? DcHuffman;
        public JpegHuffmanDecodeTable? AcHuffman;
        public int[]? Quant;
    }
}
