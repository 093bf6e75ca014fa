using Pacs.Dicom;

namespace Pacs.Gateway.QueryRetrieve;

/// <summary>
/// DA, TM and DT values as sortable strings for range and period comparisons (PS3.4 C.2.2.2.5): a value names a
/// period (the date 2024, the hour 07), whose lower bound pads with zeros and upper bound with nines, so that plain
/// ordinal comparison orders them. UTC offsets of DT values are dropped here (local times compare, as the archive
/// indexes them); a C-FIND key that carries one is first moved into the site's time zone by <see cref="InZone"/>.
/// </summary>
public static class DicomValues
{
    /// <summary>The full-precision form of a bound in the site's time zone: YYYYMMDDHHMMSS.FFFFFF.</summary>
    private const string FullDateTime = "yyyyMMddHHmmss.ffffff";

    /// <summary>
    /// The UTC offset a DT value ends with (PS3.5 6.2 DT: &amp;ZZXX, '+' or '-' then hours and minutes, -1200 to +1400),
    /// or null when it has none or the value is not a DT.
    /// </summary>
    public static TimeSpan? UtcOffset(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim(' ', '\0');
        var sign = text.Length > 5 ? text.Length - 5 : -1;
        if (sign < 4 || text[sign] is not ('+' or '-') || text.AsSpan(sign + 1).IndexOfAnyExceptInRange('0', '9') >= 0)
        {
            return null;
        }

        var hours = Component(text, sign + 1);
        var minutes = Component(text, sign + 3);
        if (minutes > 59)
        {
            return null;
        }

        var offset = new TimeSpan(hours, minutes, 0);
        offset = text[sign] == '-' ? -offset : offset;
        return offset < TimeSpan.FromHours(-12) || offset > TimeSpan.FromHours(14) ? null : offset;
    }

    /// <summary>
    /// A DT value with a UTC offset as the first (<paramref name="high"/> false) or last moment of the period it names,
    /// expressed in <paramref name="zone"/>'s local time at full precision (YYYYMMDDHHMMSS.FFFFFF): the key
    /// "2024031512+0100" names 11:00 to 11:59:59.999999 UTC, which in a zone at +02:00 is 13:00 to 13:59:59.999999.
    /// The value itself when it carries no offset; null when it is not a DT value.
    /// </summary>
    public static string? InZone(string value, TimeZoneInfo zone, bool high)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(zone);
        var text = value.Trim(' ', '\0');
        if (UtcOffset(text) is not { } offset)
        {
            return Low(DicomVR.DT, text) is null ? null : text;
        }

        var local = text[..^5];
        if (Low(DicomVR.DT, local) is not { } low)
        {
            return null;
        }

        // The period's first moment, and where the next period begins (the value's precision decides its length).
        var fraction = local.IndexOf('.', StringComparison.Ordinal);
        var whole = fraction < 0 ? local : local[..fraction];
        // Missing month and day are the first ones (Low pads with zeros, which sort well but are no calendar date).
        if (!DateTime.TryParseExact(whole.Length == 4 ? low[..4] + "0101" + low[8..] : whole.Length == 6 ? low[..6] + "01" + low[8..] : low,
            FullDateTime, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var start))
        {
            return null; // 30 February, a leap second: no moment to convert
        }

        var next = whole.Length switch
        {
            4 => start.AddYears(1),
            6 => start.AddMonths(1),
            8 => start.AddDays(1),
            10 => start.AddHours(1),
            12 => start.AddMinutes(1),
            _ when fraction < 0 => start.AddSeconds(1),
            _ => start.AddTicks(TimeSpan.TicksPerSecond / (long)Math.Pow(10, local.Length - fraction - 1)),
        };
        var moment = high ? next.AddTicks(-TimeSpan.TicksPerMicrosecond) : start;
        var inZone = TimeZoneInfo.ConvertTime(new DateTimeOffset(moment, offset), zone);
        return inZone.ToString(FullDateTime, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The lower bound of the period a value names, or null when it is not a value of that VR.</summary>
    public static string? Low(DicomVR vr, string value) => Normalize(vr, value, high: false);

    /// <summary>The upper bound of the period a value names, or null when it is not a value of that VR.</summary>
    public static string? High(DicomVR vr, string value) => Normalize(vr, value, high: true);

    public static string Form(DicomVR vr) => vr switch
    {
        DicomVR.DA => "a date YYYYMMDD",
        DicomVR.TM => "a time HH[MM[SS[.F]]]",
        _ => "a date-time YYYY[MM[DD[HH[MM[SS[.F]]]]]]",
    };

    /// <summary>
    /// The '-' that separates a range; for DT, not one that signs a UTC offset (&amp;ZZXX after at least the hour), so
    /// that 2019-2021 stays a range of years. -1 when the value is not a range.
    /// </summary>
    public static int RangeSeparator(string value, DicomVR vr)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (vr != DicomVR.DT)
        {
            return value.IndexOf('-', StringComparison.Ordinal);
        }

        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '-')
            {
                continue;
            }

            var offsetSign = i >= 10 && i + 5 <= value.Length && value.AsSpan(i + 1, 4).IndexOfAnyExceptInRange('0', '9') < 0
                && (i + 5 == value.Length || value[i + 5] == '-');
            if (!offsetSign)
            {
                return i;
            }
        }

        return -1;
    }

    private static string? Normalize(DicomVR vr, string value, bool high)
    {
        var text = value.Trim(' ', '\0');
        switch (vr)
        {
            case DicomVR.DA:
            {
                // ACR-NEMA dates YYYY.MM.DD are still sent by old equipment (PS3.5 6.2 note).
                if (text.Length == 10 && text[4] == '.' && text[7] == '.')
                {
                    text = string.Concat(text.AsSpan(0, 4), text.AsSpan(5, 2), text.AsSpan(8, 2));
                }

                return text.Length == 8 && AllDigits(text) && ValidDate(text) ? text : null;
            }

            case DicomVR.TM:
                return Time(text.Replace(":", string.Empty, StringComparison.Ordinal), high);
            case DicomVR.DT:
            {
                // Drop a UTC offset (+/-HHMM at the end).
                var sign = text.Length > 5 ? text.LastIndexOfAny(['+', '-']) : -1;
                if (sign >= 4 && sign == text.Length - 5)
                {
                    text = text[..sign];
                }

                var fraction = text.IndexOf('.', StringComparison.Ordinal);
                var whole = fraction < 0 ? text : text[..fraction];
                if (whole.Length is < 4 or > 14 || whole.Length % 2 != 0 || !AllDigits(whole))
                {
                    return null;
                }

                var datePart = whole.Length > 8 ? whole[..8] : whole;
                if (!ValidDate(datePart))
                {
                    return null;
                }

                var date = datePart.PadRight(8, high ? '9' : '0');
                if (whole.Length <= 8)
                {
                    return date + (high ? "999999.999999" : "000000.000000");
                }

                var time = Time(whole[8..] + (fraction < 0 ? string.Empty : text[fraction..]), high);
                return time is null ? null : date + time;
            }

            default:
                return text;
        }
    }

    private static string? Time(string text, bool high)
    {
        var fraction = text.IndexOf('.', StringComparison.Ordinal);
        var whole = fraction < 0 ? text : text[..fraction];
        var digits = fraction < 0 ? string.Empty : text[(fraction + 1)..];
        if (whole.Length is not (2 or 4 or 6) || !AllDigits(whole) || digits.Length > 6 || !AllDigits(digits) || (fraction >= 0 && whole.Length != 6))
        {
            return null;
        }

        // PS3.5 6.2 TM: hours 00-23, minutes 00-59, seconds 00-60 (a leap second).
        if (Component(whole, 0) > 23 || (whole.Length >= 4 && Component(whole, 2) > 59) || (whole.Length == 6 && Component(whole, 4) > 60))
        {
            return null;
        }

        var pad = high ? '9' : '0';
        return whole.PadRight(6, pad) + "." + (fraction < 0 ? new string(pad, 6) : digits.PadRight(6, pad));
    }

    /// <summary>YYYY[MM[DD]] with a month 01-12 and a day 01-31 where given.</summary>
    private static bool ValidDate(string digits) =>
        (digits.Length < 6 || Component(digits, 4) is >= 1 and <= 12) && (digits.Length < 8 || Component(digits, 6) is >= 1 and <= 31);

    private static int Component(string digits, int start) => ((digits[start] - '0') * 10) + (digits[start + 1] - '0');

    private static bool AllDigits(string text) => text.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0;
}
