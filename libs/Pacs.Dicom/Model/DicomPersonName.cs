namespace Pacs.Dicom;

/// <summary>
/// A PN value (PS3.5 6.2.1): up to three component groups separated by '=' (alphabetic, ideographic,
/// phonetic), each with up to five components separated by '^' (family, given, middle, prefix, suffix).
/// </summary>
public sealed record DicomPersonName(DicomPersonNameGroup Alphabetic, DicomPersonNameGroup Ideographic, DicomPersonNameGroup Phonetic)
{
    public static DicomPersonName Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var groups = value.Split('=');
        return new DicomPersonName(
            DicomPersonNameGroup.Parse(groups.Length > 0 ? groups[0] : string.Empty),
            DicomPersonNameGroup.Parse(groups.Length > 1 ? groups[1] : string.Empty),
            DicomPersonNameGroup.Parse(groups.Length > 2 ? groups[2] : string.Empty));
    }

    /// <summary>Shortcuts to the alphabetic group, which most names only have.</summary>
    public string FamilyName => Alphabetic.FamilyName;

    public string GivenName => Alphabetic.GivenName;

    public string MiddleName => Alphabetic.MiddleName;

    public string Prefix => Alphabetic.Prefix;

    public string Suffix => Alphabetic.Suffix;

    /// <summary>The value in its DICOM form, trailing empty groups and components dropped.</summary>
    public override string ToString()
    {
        string[] groups = [Alphabetic.ToString(), Ideographic.ToString(), Phonetic.ToString()];
        var n = groups.Length;
        while (n > 0 && groups[n - 1].Length == 0)
        {
            n--;
        }

        return string.Join('=', groups, 0, n);
    }
}

/// <summary>One component group of a person name.</summary>
public sealed record DicomPersonNameGroup(string FamilyName, string GivenName, string MiddleName, string Prefix, string Suffix)
{
    public static readonly DicomPersonNameGroup Empty = new(string.Empty, string.Empty, string.Empty, string.Empty, string.Empty);

    public static DicomPersonNameGroup Parse(string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return Empty;
        }

        var c = value.Split('^');
        string At(int i) => i < c.Length ? c[i].Trim() : string.Empty;
        return new DicomPersonNameGroup(At(0), At(1), At(2), At(3), At(4));
    }

    /// <summary>Component <paramref name="index"/> (0 family … 4 suffix).</summary>
    public string this[int index] => index switch
    {
        0 => FamilyName,
        1 => GivenName,
        2 => MiddleName,
        3 => Prefix,
        4 => Suffix,
        _ => throw new ArgumentOutOfRangeException(nameof(index), "A person name group has five components (0–4)."),
    };

    public bool IsEmpty => FamilyName.Length + GivenName.Length + MiddleName.Length + Prefix.Length + Suffix.Length == 0;

    public override string ToString()
    {
        string[] c = [FamilyName, GivenName, MiddleName, Prefix, Suffix];
        var n = c.Length;
        while (n > 0 && c[n - 1].Length == 0)
        {
            n--;
        }

        return string.Join('^', c, 0, n);
    }
}
