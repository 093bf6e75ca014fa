using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using Pacs.Dicom.Codecs.Jpeg;

namespace Pacs.Dicom.Codecs.JpegLs;

/// <summary>The samples of a decoded JPEG-LS image: one plane per component.</summary>
internal sealed class JpegLsImage
{
    public required int Width { get; init; }

    public required int Height { get; init; }

    public required int Precision { get; init; }

    public required int Near { get; init; }

    public required ushort[][] Planes { get; init; }
}

/// <summary>
/// A decoder for JPEG-LS (ITU-T T.87 | ISO/IEC 14495-1) lossless and near-lossless streams: the LOCO-I context
/// modelling of Annex A (gradient quantisation into 365 contexts, median edge detector prediction, bias correction,
/// adaptive Golomb codes with a length limit) and run mode with its run interruption samples, for 2 to 16 bits,
/// all three interleave modes, preset coding parameters (LSE id 1) and restart markers. Mapping tables (palettes),
/// sub-sampled components and the HP colour transforms are refused with a clear error.
/// </summary>
internal sealed class JpegLsDecoder
{
    private const int Contexts = 365;
    private const int MinC = -128;
    private const int MaxC = 127;

    private static readonly int[] J = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12, 13, 14, 15];

    private readonly byte[] _data;
    private readonly int _maxWidth;
    private readonly int _maxHeight;
    private int _pos;

    // Frame and preset parameters
    private int _width;
    private int _height;
    private int _precision;
    private int[] _componentIds = [];
    private ushort[][] _planes = [];
    private bool[] _seen = [];
    private int _presetMaxVal;
    private int _presetT1;
    private int _presetT2;
    private int _presetT3;
    private int _presetReset;
    private int _restartInterval;
    private int _near = -1;

    // Scan parameters (A.2)
    private int _maxVal;
    private int _nearScan;
    private int _range;
    private int _qbpp;
    private int _limit;
    private int _t1;
    private int _t2;
    private int _t3;
    private int _reset;
    private sbyte[] _quantize = [];

    // Context variables (A.2.2, A.7.2)
    private readonly int[] _a = new int[Contexts + 2];
    private readonly int[] _b = new int[Contexts + 2];
    private readonly int[] _c = new int[Contexts + 2];
    private readonly int[] _n = new int[Contexts + 2];
    private readonly int[] _nn = new int[Contexts + 2];

    // Bit reader (T.87 A.1: after an FF byte one zero bit is stuffed)
    private ulong _bits;
    private int _bitCount;
    private bool _atEnd;
    private int _paddingBits;

    private JpegLsDecoder(byte[] data, int maxWidth, int maxHeight)
    {
        _data = data;
        _maxWidth = maxWidth;
        _maxHeight = maxHeight;
    }

    /// <summary>Decodes a complete JPEG-LS stream whose frame is at most <paramref name="maxWidth"/> × <paramref name="maxHeight"/>.</summary>
    /// <exception cref="DicomCodecException">The stream is corrupt, truncated or uses a feature not supported.</exception>
    public static JpegLsImage Decode(byte[] data, int maxWidth, int maxHeight)
    {
        return JpegMarkers.Guard(
            () => new JpegLsDecoder(data, maxWidth, maxHeight).Run(),
            "The JPEG-LS stream ends inside a marker segment (T.87 C.2).");
    }

    private JpegLsImage Run()
    {
        if (_data.Length < 4 || _data[0] != 0xFF || _data[1] != 0xD8)
        {
            throw new DicomCodecException("The frame does not start with a JPEG-LS SOI marker (FFD8, T.87 C.1.1).");
        }

        _pos = 2;
        var scans = 0;
        while (true)
        {
            var marker = NextMarker(scans > 0);
            if (marker is null or 0xD9)
            {
                break;
            }

            switch (marker.Value)
            {
                case 0xF7:
                    ReadFrameHeader();
                    break;
                case 0xF8:
                    ReadPresetParameters();
                    break;
                case 0xDD:
                    var dri = Segment();
                    _restartInterval = dri.Length switch
                    {
                        2 => BinaryPrimitives.ReadUInt16BigEndian(dri),
                        3 => (dri[0] << 16) | (dri[1] << 8) | dri[2],
                        4 => (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(dri), int.MaxValue),
                        _ => throw new DicomCodecException($"A JPEG-LS DRI segment of {dri.Length} bytes (T.87 C.2.5: 2 to 4)."),
                    };
                    break;
                case 0xDA:
                    ReadScan();
                    scans++;
                    break;
                case 0xE8:
                    var app8 = Segment();
                    if (app8.Length >= 5 && app8[..4].SequenceEqual("mrfx"u8) && app8[4] != 0)
                    {
                        throw new DicomCodecException($"The JPEG-LS stream uses colour transform {app8[4]} (APP8 'mrfx'), an extension outside T.87 that is not supported.");
                    }

                    break;
                case >= 0xC0 and <= 0xCF when marker.Value is not (0xC4 or 0xC8 or 0xCC):
                    throw new DicomCodecException($"The frame is a T.81 JPEG stream (SOF{marker.Value - 0xC0}), not JPEG-LS; the transfer syntax is mislabelled.");
                case >= 0xD0 and <= 0xD7:
                    break;
                default:
                    Segment();
                    break;
            }
        }

        if (_planes.Length == 0 || scans == 0)
        {
            throw new DicomCodecException("The JPEG-LS stream ends before a frame header and a scan (T.87 C.1).");
        }

        for (var i = 0; i < _seen.Length; i++)
        {
            if (!_seen[i])
            {
                throw new DicomCodecException($"The JPEG-LS stream has no scan for component {_componentIds[i]}.");
            }
        }

        return new JpegLsImage { Width = _width, Height = _height, Precision = _precision, Near = Math.Max(_near, 0), Planes = _planes };
    }

    /// <summary>The next marker code (T.87 C.1.1: 0xFF then a byte of 0x80 or more); null at the end when allowed.</summary>
    private int? NextMarker(bool allowEnd) => JpegMarkers.Next(_data, ref _pos, allowEnd, JpegMarkers.T87MinMarkerCode, "JPEG-LS");

    /// <summary>The parameters of a marker segment (after its two length bytes), advancing past it.</summary>
    private ReadOnlySpan<byte> Segment() => JpegMarkers.Segment(_data, ref _pos, "JPEG-LS", "T.87 C.2");

    private void ReadFrameHeader()
    {
        if (_planes.Length != 0)
        {
            throw new DicomCodecException("The JPEG-LS stream has more than one frame header.");
        }

        var s = Segment();
        _precision = s[0];
        _height = BinaryPrimitives.ReadUInt16BigEndian(s[1..]);
        _width = BinaryPrimitives.ReadUInt16BigEndian(s[3..]);
        int count = s[5];
        if (_precision is < 2 or > 16)
        {
            throw new DicomCodecException($"JPEG-LS sample precision {_precision} is outside 2 to 16 (T.87 C.2.2).");
        }

        if (_width == 0 || _height == 0 || _width > _maxWidth || _height > _maxHeight)
        {
            throw new DicomCodecException($"The JPEG-LS frame is {_width}×{_height}; the image attributes allow at most {_maxWidth}×{_maxHeight} (a zero size would need an LSE id 4 segment, not supported).");
        }

        if (count is < 1 or > 4 || s.Length < 6 + (3 * count))
        {
            throw new DicomCodecException($"The JPEG-LS frame header declares {count} components.");
        }

        _componentIds = new int[count];
        _planes = new ushort[count][];
        _seen = new bool[count];
        for (var i = 0; i < count; i++)
        {
            _componentIds[i] = s[6 + (3 * i)];
            if (s[7 + (3 * i)] != 0x11)
            {
                throw new DicomCodecException($"JPEG-LS component {_componentIds[i]} is sub-sampled ({s[7 + (3 * i)] >> 4}×{s[7 + (3 * i)] & 15}); not supported.");
            }

            _planes[i] = new ushort[_width * _height];
        }
    }

    private void ReadPresetParameters()
    {
        var s = Segment();
        if (s.Length < 1)
        {
            throw new DicomCodecException("An empty JPEG-LS LSE segment (T.87 C.2.4.1).");
        }

        if (s[0] != 1)
        {
            throw new DicomCodecException($"JPEG-LS LSE segment id {s[0]} (mapping tables or oversize images, T.87 C.2.4.1) is not supported.");
        }

        if (s.Length < 11)
        {
            throw new DicomCodecException("A JPEG-LS preset coding parameters segment is shorter than its 11 bytes (T.87 C.2.4.1.1).");
        }

        _presetMaxVal = BinaryPrimitives.ReadUInt16BigEndian(s[1..]);
        _presetT1 = BinaryPrimitives.ReadUInt16BigEndian(s[3..]);
        _presetT2 = BinaryPrimitives.ReadUInt16BigEndian(s[5..]);
        _presetT3 = BinaryPrimitives.ReadUInt16BigEndian(s[7..]);
        _presetReset = BinaryPrimitives.ReadUInt16BigEndian(s[9..]);
    }

    private void ReadScan()
    {
        if (_planes.Length == 0)
        {
            throw new DicomCodecException("A JPEG-LS scan comes before the frame header.");
        }

        var s = Segment();
        int count = s[0];
        if (count is < 1 or > 4 || s.Length < 4 + (2 * count))
        {
            throw new DicomCodecException($"A JPEG-LS scan header declares {count} components.");
        }

        var indices = new int[count];
        for (var i = 0; i < count; i++)
        {
            var id = s[1 + (2 * i)];
            var index = Array.IndexOf(_componentIds, id);
            if (index < 0)
            {
                throw new DicomCodecException($"A JPEG-LS scan names component {id}, which the frame header does not declare.");
            }

            if (s[2 + (2 * i)] != 0)
            {
                throw new DicomCodecException("The JPEG-LS scan uses a mapping table (palette, T.87 C.2.3); not supported.");
            }

            indices[i] = index;
            _seen[index] = true;
        }

        int near = s[1 + (2 * count)];
        int ilv = s[2 + (2 * count)];
        var pointTransform = s[3 + (2 * count)] & 15;
        if (ilv > 2 || (ilv == 0 && count != 1))
        {
            throw new DicomCodecException($"JPEG-LS interleave mode {ilv} with {count} components in a scan (T.87 C.2.3).");
        }

        if (pointTransform != 0)
        {
            throw new DicomCodecException($"JPEG-LS point transform {pointTransform} is not supported.");
        }

        SetParameters(near);
        _near = Math.Max(_near, near);
        StartBits();
        if (ilv == 2 && count > 1)
        {
            DecodeSampleInterleaved(indices);
        }
        else
        {
            DecodeLineInterleaved(indices);
        }

        if (_paddingBits - _bitCount > 0)
        {
            throw new DicomCodecException("The JPEG-LS scan data ends before the last sample is decoded: the stream is truncated or corrupt.");
        }
    }

    /// <summary>T.87 A.2.1 and C.2.4.1.1: the coding parameters of a scan from NEAR, the preset values and their defaults.</summary>
    private void SetParameters(int near)
    {
        _maxVal = _presetMaxVal != 0 ? _presetMaxVal : (1 << _precision) - 1;
        if (near > Math.Min(255, _maxVal / 2))
        {
            throw new DicomCodecException($"JPEG-LS NEAR {near} is beyond min(255, MAXVAL/2) for MAXVAL {_maxVal} (T.87 C.2.3).");
        }

        _nearScan = near;
        _range = ((_maxVal + (2 * near)) / ((2 * near) + 1)) + 1;
        _qbpp = CeilLog2(_range);
        var bpp = Math.Max(2, CeilLog2(_maxVal + 1));
        _limit = 2 * (bpp + Math.Max(8, bpp));

        // C.2.4.1.1.1: default thresholds, scaled for MAXVAL and widened by NEAR.
        int t1, t2, t3;
        if (_maxVal >= 128)
        {
            var factor = (Math.Min(_maxVal, 4095) + 128) / 256;
            t1 = Clamp((factor * (3 - 2)) + 2 + (3 * near), near + 1, _maxVal);
            t2 = Clamp((factor * (7 - 3)) + 3 + (5 * near), t1, _maxVal);
            t3 = Clamp((factor * (21 - 4)) + 4 + (7 * near), t2, _maxVal);
        }
        else
        {
            var factor = 256 / (_maxVal + 1);
            t1 = Clamp(Math.Max(2, (3 / factor) + (3 * near)), near + 1, _maxVal);
            t2 = Clamp(Math.Max(3, (7 / factor) + (5 * near)), t1, _maxVal);
            t3 = Clamp(Math.Max(4, (21 / factor) + (7 * near)), t2, _maxVal);
        }

        _t1 = _presetT1 != 0 ? _presetT1 : t1;
        _t2 = _presetT2 != 0 ? _presetT2 : t2;
        _t3 = _presetT3 != 0 ? _presetT3 : t3;
        _reset = _presetReset != 0 ? _presetReset : 64;
        if (_t1 > _t2 || _t2 > _t3 || _reset < 3)
        {
            throw new DicomCodecException($"JPEG-LS thresholds T1 {_t1}, T2 {_t2}, T3 {_t3} and RESET {_reset} are not ordered as T.87 C.2.4.1.1 requires.");
        }

        // A.3.3: the gradient quantiser as a table over -MAXVAL..MAXVAL.
        _quantize = new sbyte[(2 * _maxVal) + 1];
        for (var d = -_maxVal; d <= _maxVal; d++)
        {
            _quantize[d + _maxVal] = (sbyte)(d <= -_t3 ? -4 : d <= -_t2 ? -3 : d <= -_t1 ? -2 : d < -near ? -1 : d <= near ? 0 : d < _t1 ? 1 : d < _t2 ? 2 : d < _t3 ? 3 : 4);
        }

        ResetContexts();

        static int Clamp(int i, int j, int max) => i > max || i < j ? j : i;
    }

    private void ResetContexts()
    {
        // A.2.2: A starts at max(2, (RANGE + 32) / 64); N at 1; B, C and Nn at 0.
        var a = Math.Max(2, (_range + 32) / 64);
        for (var q = 0; q < Contexts + 2; q++)
        {
            _a[q] = a;
            _b[q] = 0;
            _c[q] = 0;
            _n[q] = 1;
            _nn[q] = 0;
        }
    }

    private static int CeilLog2(int x)
    {
        var n = 0;
        while ((1 << n) < x)
        {
            n++;
        }

        return n;
    }

    // ------------------------------------------------------------------ scan decoding

    /// <summary>Interleave modes 0 and 1 (A.8.1, A.8.2): each line of each component decoded on its own, contexts shared.</summary>
    private void DecodeLineInterleaved(int[] components)
    {
        var n = components.Length;
        var w = _width;
        var prev = new ushort[n][];
        var cur = new ushort[n][];
        var runIndex = new int[n];
        for (var i = 0; i < n; i++)
        {
            prev[i] = new ushort[w + 2];
            cur[i] = new ushort[w + 2];
        }

        for (var y = 0; y < _height; y++)
        {
            if (_restartInterval > 0 && y > 0 && y % _restartInterval == 0)
            {
                Restart(y / _restartInterval);
                Array.Clear(runIndex);
                for (var i = 0; i < n; i++)
                {
                    Array.Clear(prev[i]);
                    Array.Clear(cur[i]);
                }
            }

            for (var i = 0; i < n; i++)
            {
                (prev[i], cur[i]) = (cur[i], prev[i]);
                var p = prev[i];
                var c = cur[i];

                // A.2.1: Rd past the last column is Rb; Ra before the first is Rb, Rc before the first is the Ra the line above had.
                p[w + 1] = p[w];
                c[0] = p[1];
                DecodeLine(p, c, ref runIndex[i]);
                c.AsSpan(1, w).CopyTo(_planes[components[i]].AsSpan(y * w, w));
            }
        }
    }

    private void DecodeLine(ushort[] prev, ushort[] cur, ref int runIndex)
    {
        var w = _width;
        var maxVal = _maxVal;
        var x = 1;
        while (x <= w)
        {
            int ra = cur[x - 1];
            int rb = prev[x];
            int rc = prev[x - 1];
            int rd = prev[x + 1];
            int q1 = _quantize[rd - rb + maxVal];
            int q2 = _quantize[rb - rc + maxVal];
            int q3 = _quantize[rc - ra + maxVal];
            if (q1 == 0 && q2 == 0 && q3 == 0)
            {
                x = DecodeRun(prev, cur, x, ref runIndex);
                continue;
            }

            cur[x] = (ushort)DecodeRegular((81 * q1) + (9 * q2) + q3, Predict(ra, rb, rc));
            x++;
        }
    }

    /// <summary>A.4.1: the median edge detector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Predict(int ra, int rb, int rc)
    {
        if (rc >= Math.Max(ra, rb))
        {
            return Math.Min(ra, rb);
        }

        return rc <= Math.Min(ra, rb) ? Math.Max(ra, rb) : ra + rb - rc;
    }

    /// <summary>A.4.2 to A.6: one sample in regular mode from its signed context number and its prediction.</summary>
    private int DecodeRegular(int qs, int px)
    {
        var sign = 1;
        var q = qs;
        if (q < 0)
        {
            sign = -1;
            q = -q;
        }

        // A.4.2: bias correction of the prediction.
        px += sign * _c[q];
        px = px < 0 ? 0 : px > _maxVal ? _maxVal : px;

        // A.5.1: the Golomb parameter.
        var k = 0;
        var nq = _n[q];
        var aq = _a[q];
        while ((nq << k) < aq)
        {
            k++;
            if (k > 24)
            {
                throw new DicomCodecException("A JPEG-LS context's statistics grew beyond any valid stream: the data is corrupt.");
            }
        }

        var mErrval = DecodeGolomb(k, _limit);

        // A.5.2 inverted: the mapped error back to a signed error (with the special mapping for k = 0 and a negative bias).
        int errval;
        if (_nearScan == 0 && k == 0 && 2 * _b[q] <= -nq)
        {
            errval = (mErrval & 1) != 0 ? (mErrval - 1) >> 1 : -(mErrval >> 1) - 1;
        }
        else
        {
            errval = (mErrval & 1) != 0 ? -((mErrval + 1) >> 1) : mErrval >> 1;
        }

        UpdateRegular(q, errval);
        return Reconstruct(px, sign * errval);
    }

    /// <summary>A.6: context statistics, then the bias correction value C[Q].</summary>
    private void UpdateRegular(int q, int errval)
    {
        var scaled = errval * ((2 * _nearScan) + 1);
        var b = _b[q] + scaled;
        var a = _a[q] + Math.Abs(errval);
        var n = _n[q];
        if (n == _reset)
        {
            a >>= 1;
            b = b >= 0 ? b >> 1 : -((1 - b) >> 1);
            n >>= 1;
        }

        n++;
        _a[q] = a;
        _n[q] = n;
        if (b <= -n)
        {
            b += n;
            if (_c[q] > MinC)
            {
                _c[q]--;
            }

            if (b <= -n)
            {
                b = -n + 1;
            }
        }
        else if (b > 0)
        {
            b -= n;
            if (_c[q] < MaxC)
            {
                _c[q]++;
            }

            if (b > 0)
            {
                b = 0;
            }
        }

        _b[q] = b;
    }

    /// <summary>A.4.4 / A.5.4 inverted: prediction plus the de-quantised error, brought back into 0..MAXVAL modulo the range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Reconstruct(int px, int errval)
    {
        var step = (2 * _nearScan) + 1;
        var rx = px + (errval * step);
        if (rx < -_nearScan)
        {
            rx += _range * step;
        }
        else if (rx > _maxVal + _nearScan)
        {
            rx -= _range * step;
        }

        return rx < 0 ? 0 : rx > _maxVal ? _maxVal : rx;
    }

    /// <summary>A.7: a run of samples equal (within NEAR) to Ra, then, unless the line ended, the interruption sample.</summary>
    private int DecodeRun(ushort[] prev, ushort[] cur, int x, ref int runIndex)
    {
        var ra = cur[x - 1];
        var remaining = _width - x + 1;
        var length = DecodeRunLength(remaining, ref runIndex);
        cur.AsSpan(x, length).Fill(ra);
        x += length;
        if (length == remaining)
        {
            return x;
        }

        // A.7.2: the run interruption sample.
        int rb = prev[x];
        var riType = Math.Abs(ra - rb) <= _nearScan ? 1 : 0;
        var errval = DecodeInterruptionError(riType, runIndex);
        if (riType == 0 && ra > rb)
        {
            errval = -errval;
        }

        cur[x] = (ushort)Reconstruct(riType == 1 ? ra : rb, errval);
        if (runIndex > 0)
        {
            runIndex--;
        }

        return x + 1;
    }

    /// <summary>A.7.1.2 inverted: 1 bits for whole segments of 2^J[RUNindex] samples, then a 0 and the remainder in J[RUNindex] bits.</summary>
    private int DecodeRunLength(int remaining, ref int runIndex)
    {
        var length = 0;
        while (ReadBit() == 1)
        {
            var segment = 1 << J[runIndex];
            var count = Math.Min(segment, remaining - length);
            length += count;
            if (count == segment && runIndex < 31)
            {
                runIndex++;
            }

            if (length == remaining)
            {
                return length;
            }
        }

        length += J[runIndex] > 0 ? ReadBits(J[runIndex]) : 0;
        if (length >= remaining)
        {
            throw new DicomCodecException("A JPEG-LS run is longer than the rest of its line: the stream is corrupt.");
        }

        return length;
    }

    /// <summary>A.7.2: the error of a run interruption sample from context 365 (RItype 0) or 366 (RItype 1), with its update.</summary>
    private int DecodeInterruptionError(int riType, int runIndex)
    {
        var q = Contexts + riType;
        var temp = riType == 0 ? _a[q] : _a[q] + (_n[q] >> 1);
        var k = 0;
        while ((_n[q] << k) < temp)
        {
            k++;
            if (k > 24)
            {
                throw new DicomCodecException("A JPEG-LS run context's statistics grew beyond any valid stream: the data is corrupt.");
            }
        }

        var emErrval = DecodeGolomb(k, _limit - J[runIndex] - 1);

        // A.7.2.2 inverted: EMErrval = 2|Errval| - RItype - map.
        var t = emErrval + riType;
        var map = t & 1;
        var magnitude = (t + map) >> 1;
        var negative = (k != 0 || 2 * _nn[q] >= _n[q]) == (map == 1);
        var errval = negative ? -magnitude : magnitude;

        // A.7.2.3: update.
        if (errval < 0)
        {
            _nn[q]++;
        }

        _a[q] += (emErrval + 1 - riType) >> 1;
        if (_n[q] == _reset)
        {
            _a[q] >>= 1;
            _n[q] >>= 1;
            _nn[q] >>= 1;
        }

        _n[q]++;
        return errval;
    }

    /// <summary>
    /// Interleave mode 2 (A.8.3): pixel by pixel over all components of the scan; run mode only when every
    /// component's gradients are flat, and one run length for all of them.
    /// </summary>
    private void DecodeSampleInterleaved(int[] components)
    {
        var n = components.Length;
        var w = _width;
        var prev = new ushort[n][];
        var cur = new ushort[n][];
        for (var i = 0; i < n; i++)
        {
            prev[i] = new ushort[w + 2];
            cur[i] = new ushort[w + 2];
        }

        var runIndex = 0;
        Span<int> qs = stackalloc int[4];
        for (var y = 0; y < _height; y++)
        {
            if (_restartInterval > 0 && y > 0 && y % _restartInterval == 0)
            {
                Restart(y / _restartInterval);
                runIndex = 0;
                for (var i = 0; i < n; i++)
                {
                    Array.Clear(prev[i]);
                    Array.Clear(cur[i]);
                }
            }

            for (var i = 0; i < n; i++)
            {
                (prev[i], cur[i]) = (cur[i], prev[i]);
                prev[i][w + 1] = prev[i][w];
                cur[i][0] = prev[i][1];
            }

            var x = 1;
            while (x <= w)
            {
                var flat = true;
                for (var i = 0; i < n; i++)
                {
                    int ra = cur[i][x - 1];
                    int rb = prev[i][x];
                    int rc = prev[i][x - 1];
                    int rd = prev[i][x + 1];
                    qs[i] = (81 * _quantize[rd - rb + _maxVal]) + (9 * _quantize[rb - rc + _maxVal]) + _quantize[rc - ra + _maxVal];
                    flat &= qs[i] == 0;
                }

                if (!flat)
                {
                    for (var i = 0; i < n; i++)
                    {
                        cur[i][x] = (ushort)DecodeRegular(qs[i], Predict(cur[i][x - 1], prev[i][x], prev[i][x - 1]));
                    }

                    x++;
                    continue;
                }

                var remaining = w - x + 1;
                var length = DecodeRunLength(remaining, ref runIndex);
                for (var i = 0; i < n; i++)
                {
                    cur[i].AsSpan(x, length).Fill(cur[i][x - 1]);
                }

                x += length;
                if (length == remaining)
                {
                    continue;
                }

                // The interruption pixel: every component coded against Rb with the RItype 0 context.
                for (var i = 0; i < n; i++)
                {
                    int ra = cur[i][x - 1];
                    int rb = prev[i][x];
                    var errval = DecodeInterruptionError(0, runIndex);
                    cur[i][x] = (ushort)Reconstruct(rb, ra > rb ? -errval : errval);
                }

                if (runIndex > 0)
                {
                    runIndex--;
                }

                x++;
            }

            for (var i = 0; i < n; i++)
            {
                cur[i].AsSpan(1, w).CopyTo(_planes[components[i]].AsSpan(y * w, w));
            }
        }
    }

    // ------------------------------------------------------------------ bits

    private void StartBits()
    {
        _bits = 0;
        _bitCount = 0;
        _atEnd = false;
        _paddingBits = 0;
    }

    /// <summary>Restart (T.87 C.2.5, D.3): the bit stream is byte-aligned, RSTm follows, and the context variables start afresh.</summary>
    private void Restart(int intervalNumber)
    {
        if (_paddingBits - _bitCount > 0)
        {
            throw new DicomCodecException("A JPEG-LS restart interval ends before its last sample is decoded: the stream is corrupt.");
        }

        // Back up over any whole bytes the reader fetched ahead of the marker.
        while (_pos + 1 < _data.Length && !(_data[_pos] == 0xFF && _data[_pos + 1] >= 0x80))
        {
            _pos++;
        }

        var expected = 0xD0 + ((intervalNumber - 1) & 7);
        if (_pos + 1 >= _data.Length || _data[_pos + 1] != expected)
        {
            throw new DicomCodecException($"JPEG-LS restart marker RST{(intervalNumber - 1) & 7} is missing where restart interval {intervalNumber + 1} begins.");
        }

        _pos += 2;
        StartBits();
        ResetContexts();
    }

    private void Fill()
    {
        while (_bitCount <= 48)
        {
            if (_atEnd || _pos >= _data.Length)
            {
                _atEnd = true;
                _bits <<= 8;
                _bitCount += 8;
                _paddingBits += 8;
                continue;
            }

            var b = _data[_pos];
            if (b != 0xFF)
            {
                _bits = (_bits << 8) | b;
                _bitCount += 8;
                _pos++;
                continue;
            }

            if (_pos + 1 >= _data.Length || _data[_pos + 1] >= 0x80)
            {
                _atEnd = true; // a marker: the scan's data ended
                continue;
            }

            // A.1: after FF the encoder inserted a 0 bit, so the next byte carries 7 bits.
            _bits = (_bits << 15) | (0xFFUL << 7) | _data[_pos + 1];
            _bitCount += 15;
            _pos += 2;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ReadBit()
    {
        if (_bitCount < 1)
        {
            Fill();
        }

        _bitCount--;
        return (int)(_bits >> _bitCount) & 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ReadBits(int count)
    {
        if (_bitCount < count)
        {
            Fill();
        }

        _bitCount -= count;
        return (int)(_bits >> _bitCount) & (int)((1UL << count) - 1);
    }

    /// <summary>A.5.3 inverted: a unary prefix, then k bits, or after LIMIT - qbpp - 1 zeros an escape of qbpp bits.</summary>
    private int DecodeGolomb(int k, int limit)
    {
        var escape = limit - _qbpp - 1;
        var zeros = 0;
        while (true)
        {
            if (_bitCount < 32)
            {
                Fill();
            }

            var aligned = _bits << (64 - _bitCount);
            var lz = BitOperations.LeadingZeroCount(aligned);
            if (lz < _bitCount)
            {
                zeros += lz;
                _bitCount -= lz + 1;
                break;
            }

            zeros += _bitCount;
            _bitCount = 0;
            if (zeros > escape)
            {
                break;
            }
        }

        if (zeros < escape)
        {
            return k == 0 ? zeros : (zeros << k) | ReadBits(k);
        }

        if (zeros == escape)
        {
            return ReadBits(_qbpp) + 1;
        }

        throw new DicomCodecException("A JPEG-LS code word is longer than LIMIT allows (T.87 A.5.3): the stream is corrupt.");
    }
}
