using System.Globalization;
using Pacs.Dicom;

namespace Pacs.Archive;

/// <summary>
/// Normalised forms of DA, TM and DT values, used as index columns so that range matching is a string comparison:
/// DA as <c>YYYYMMDD</c>, TM as <c>HHMMSS.FFFFFF</c>, DT as <c>YYYYMMDDHHMMSS.FFFFFF</c> (its UTC offset, if any, is
/// not applied: values compare as the local times the modality wrote, as they do in C-FIND).
/// A value that does not parse gives null (it then matches only universal queries).
/// </summary>
public static class DicomKeys
{
    private const string TimeLow = "000000.000000";
    private const string TimeHigh = "235959.999999";
    private const string DateTimeLow = "00010101000000.000000";
    private const string DateTimeHigh = "99991231235959.999999";

    /// <summary>A DA value as YYYYMMDD; also accepts the ACR-NEMA form YYYY.MM.DD (PS3.5 6.2 note).</summary>
    public static string? Date(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        string text = value.Trim();
        if (text.Length == 10 && text[4] == '.' && text[7] == '.')
            text = string.Concat(text.AsSpan(0, 4), text.AsSpan(5, 2), text.AsSpan(8, 2));
        if (text.Length != 8 || !AllDigits(text))
            return null;
        return DateTime.TryParseExact(text, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ? text : null;
    }

    /// <summary>A TM value (HH, HHMM, HHMMSS, HHMMSS.F…, or the old HH:MM:SS) padded low to HHMMSS.FFFFFF.</summary>
    public static string? Time(string? value) => TimeBound(value, upper: false);

    /// <summary>
    /// A TM value as a range bound: the lower bound pads with zeros, the upper with the end of the period the value
    /// names (<c>12</c> as an upper bound means up to 12:59:59.999999).
    /// </summary>
    public static string? TimeBound(string? value, bool upper)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        string text = value.Trim().Replace(":", "", StringComparison.Ordinal);
        int dot = text.IndexOf('.', StringComparison.Ordinal);
        string whole = dot < 0 ? text : text[..dot];
        string fraction = dot < 0 ? "" : text[(dot + 1)..];
        if (whole.Length is not (2 or 4 or 6) || !AllDigits(whole) || fraction.Length > 6 || !AllDigits(fraction))
            return null;
        if (fraction.Length > 0 && whole.Length != 6)
            return null;
        if (int.Parse(whole.AsSpan(0, 2), CultureInfo.InvariantCulture) > 23
            || (whole.Length >= 4 && int.Parse(whole.AsSpan(2, 2), CultureInfo.InvariantCulture) > 59)
            || (whole.Length == 6 && int.Parse(whole.AsSpan(4, 2), CultureInfo.InvariantCulture) > 60))
            return null;
        string template = upper ? TimeHigh : TimeLow;
        string padded = whole + template[whole.Length..7] + fraction;
        return padded + template[padded.Length..];
    }

    /// <summary>A DT value (YYYY to YYYYMMDDHHMMSS.FFFFFF, optional &amp;ZZXX offset ignored) padded low.</summary>
    public static string? DateTimeValue(string? value) => DateTimeBound(value, upper: false);

    /// <summary>A DT value as a range bound, padded low or to the end of the period it names.</summary>
    public static string? DateTimeBound(string? value, bool upper)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        string text = value.Trim();
        int sign = text.IndexOfAny(['+', '-'], 4 <= text.Length ? 4 : 0);
        if (sign >= 0)
            text = text[..sign];
        int dot = text.IndexOf('.', StringComparison.Ordinal);
        string whole = dot < 0 ? text : text[..dot];
        string fraction = dot < 0 ? "" : text[(dot + 1)..];
        if (whole.Length is not (4 or 6 or 8 or 10 or 12 or 14) || !AllDigits(whole) || fraction.Length > 6 || !AllDigits(fraction))
            return null;
        if (fraction.Length > 0 && whole.Length != 14)
            return null;
        string template = upper ? DateTimeHigh : DateTimeLow;
        string padded = whole + template[whole.Length..15] + fraction;
        return padded + template[padded.Length..];
    }

    /// <summary>Date and time as one DT key; a missing time counts as the start of the day.</summary>
    public static string? CombinedDateTime(string? date, string? time)
    {
        string? d = Date(date);
        if (d is null)
            return null;
        return d + (Time(time) ?? TimeLow);
    }

    /// <summary>The acquisition moment used to order instances: Acquisition DateTime, else Acquisition Date and Time, else Content Date and Time.</summary>
    public static string? AcquisitionKey(DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return DateTimeValue(SafeString(dataset, DicomTag.AcquisitionDateTime))
            ?? CombinedTimeOnly(SafeString(dataset, DicomTag.AcquisitionDate) ?? SafeString(dataset, DicomTag.ContentDate),
                SafeString(dataset, DicomTag.AcquisitionTime) ?? SafeString(dataset, DicomTag.ContentTime));
    }

    private static string? CombinedTimeOnly(string? date, string? time)
    {
        string? t = Time(time);
        if (t is null)
            return CombinedDateTime(date, null);
        return (Date(date) ?? "00010101") + t;
    }

    /// <summary>The first value of a text attribute, or null when absent, empty or unreadable.</summary>
    internal static string? SafeString(DicomDataset dataset, DicomTag tag)
    {
        try
        {
            string? value = dataset.GetString(tag, 0);
            return string.IsNullOrEmpty(value) ? null : value;
        }
        catch (DicomException)
        {
            return null;
        }
    }

    /// <summary>An IS or US value as an integer, or null.</summary>
    internal static int? SafeInt(DicomDataset dataset, DicomTag tag)
    {
        try
        {
            return dataset.GetInt32(tag);
        }
        catch (Exception e) when (e is DicomException or FormatException or OverflowException or InvalidCastException)
        {
            return null;
        }
    }

    private static bool AllDigits(string text)
    {
        foreach (char c in text)
        {
            if (c is < '0' or > '9')
                return false;
        }
        return true;
    }
}
