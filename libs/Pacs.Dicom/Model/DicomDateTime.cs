using System.Globalization;

namespace Pacs.Dicom;

/// <summary>
/// A DT value (PS3.5 6.2: YYYYMMDDHHMMSS.FFFFFF&amp;ZZXX, every part after the year optional), with
/// the precision that was given and the UTC offset when one was given. Also parses DA and TM.
/// </summary>
public readonly record struct DicomDateTime(DateTime Value, TimeSpan? UtcOffset, DicomDateTimePrecision Precision)
{
    /// <summary>The value as a DateTimeOffset; without a stated offset the local time is taken as UTC.</summary>
    public DateTimeOffset ToDateTimeOffset() => new(Value, UtcOffset ?? TimeSpan.Zero);

    public static DicomDateTime? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var s = text.AsSpan().Trim();
        TimeSpan? offset = null;
        var signAt = s.IndexOfAny('+', '-');
        if (signAt >= 4 && s.Length - signAt == 5)
        {
            if (!int.TryParse(s.Slice(signAt + 1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hh)
                || !int.TryParse(s.Slice(signAt + 3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var mm)
                || hh > 14 || mm > 59)
            {
                return null;
            }

            offset = new TimeSpan(hh, mm, 0) * (s[signAt] == '-' ? -1 : 1);
            s = s[..signAt];
        }

        if (s.Length < 4 || !Digits(s[..4], out var year) || year < 1)
        {
            return null;
        }

        int month = 1, day = 1;
        var precision = DicomDateTimePrecision.Year;
        if (s.Length >= 6)
        {
            if (!Digits(s.Slice(4, 2), out month))
            {
                return null;
            }

            precision = DicomDateTimePrecision.Month;
        }

        if (s.Length >= 8)
        {
            if (!Digits(s.Slice(6, 2), out day))
            {
                return null;
            }

            precision = DicomDateTimePrecision.Day;
        }

        if (s.Length is 5 or 7 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return null;
        }

        var time = TimeOnly.MinValue;
        if (s.Length > 8)
        {
            if (ParseTimeCore(s[8..], out time, out var timePrecision) is false)
            {
                return null;
            }

            precision = timePrecision;
        }

        return new DicomDateTime(new DateOnly(year, month, day).ToDateTime(time), offset, precision);
    }

    /// <summary>DA: YYYYMMDD, or the ACR-NEMA form YYYY.MM.DD that old devices still send.</summary>
    public static DateOnly? ParseDate(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var s = text.AsSpan().Trim();
        if (s.Length == 10 && s[4] == '.' && s[7] == '.')
        {
            Span<char> compact = stackalloc char[8];
            s[..4].CopyTo(compact);
            s.Slice(5, 2).CopyTo(compact[4..]);
            s.Slice(8, 2).CopyTo(compact[6..]);
            return ParseDate(new string(compact));
        }

        if (s.Length != 8 || !Digits(s[..4], out var y) || !Digits(s.Slice(4, 2), out var m) || !Digits(s.Slice(6, 2), out var d))
        {
            return null;
        }

        if (y < 1 || m is < 1 or > 12 || d < 1 || d > DateTime.DaysInMonth(y, m))
        {
            return null;
        }

        return new DateOnly(y, m, d);
    }

    /// <summary>TM: HH, HHMM, HHMMSS, HHMMSS.F{1,6}; the ACR-NEMA form HH:MM:SS is accepted. 60 seconds (leap) reads as 59.</summary>
    public static TimeOnly? ParseTime(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var s = text.AsSpan().Trim();
        if (s.Contains(':'))
        {
            Span<char> buffer = stackalloc char[s.Length];
            var n = 0;
            foreach (var c in s)
            {
                if (c != ':')
                {
                    buffer[n++] = c;
                }
            }

            s = buffer[..n].ToArray();
        }

        return ParseTimeCore(s, out var time, out _) ? time : null;
    }

    private static bool ParseTimeCore(ReadOnlySpan<char> s, out TimeOnly time, out DicomDateTimePrecision precision)
    {
        time = default;
        precision = DicomDateTimePrecision.Hour;
        int hour, minute = 0, second = 0, ticks = 0;
        if (s.Length < 2 || !Digits(s[..2], out hour) || hour > 23)
        {
            return false;
        }

        if (s.Length >= 4 && s[2] != '.')
        {
            if (!Digits(s.Slice(2, 2), out minute) || minute > 59)
            {
                return false;
            }

            precision = DicomDateTimePrecision.Minute;
        }

        if (s.Length >= 6 && s[4] != '.')
        {
            if (!Digits(s.Slice(4, 2), out second) || second > 60)
            {
                return false;
            }

            second = Math.Min(second, 59);
            precision = DicomDateTimePrecision.Second;
        }

        if (s.Length is 3 or 5)
        {
            return false;
        }

        if (s.Length > 6)
        {
            if (s[6] != '.' || s.Length > 13 || s.Length == 7)
            {
                return false;
            }

            var fraction = s[7..];
            if (!Digits(fraction, out var f))
            {
                return false;
            }

            for (var i = fraction.Length; i < 7; i++)
            {
                f *= 10;
            }

            ticks = f;
            precision = DicomDateTimePrecision.Fraction;
        }

        time = new TimeOnly(hour, minute, second).Add(TimeSpan.FromTicks(ticks));
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> s, out int value)
    {
        value = 0;
        foreach (var c in s)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return s.Length > 0;
    }
}

public enum DicomDateTimePrecision
{
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Fraction,
}
