using Pacs.Dicom;

namespace Pacs.Gateway.QueryRetrieve;

/// <summary>
/// Builds the identifier of a C-FIND pending response (PS3.4 C.4.1.1.3.2, K.4.1.1.3.2): every key of the request with
/// the match's value (zero length when it has none), sequence keys with the attributes their item asked for (the whole
/// items when it asked for none), plus what the caller adds (Query/Retrieve Level, Retrieve AE Title). Text goes out in
/// the character set the request named when every value fits it, otherwise in UTF-8 (ISO_IR 192), and Specific
/// Character Set is included whenever it is not the default repertoire.
/// </summary>
public static class FindResponseBuilder
{
    private const string Utf8 = "ISO_IR 192";

    /// <param name="match">The entity's attributes (any character set).</param>
    /// <param name="keys">The request's keys to answer.</param>
    /// <param name="empty">Keys answered with zero length whatever the match holds (keys of levels below the one queried).</param>
    /// <param name="requestedCharacterSet">The request's Specific Character Set value, or null.</param>
    /// <param name="extras">Attributes the caller adds (set with <see cref="DicomDataset.Set(DicomTag, DicomVR, string[])"/>).</param>
    public static DicomDataset Build(DicomDataset match, IReadOnlyList<FindKey> keys, IReadOnlySet<DicomTag> empty, string? requestedCharacterSet,
        Action<DicomDataset>? extras = null)
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(empty);
        var preferred = requestedCharacterSet?.Trim();
        if (!string.IsNullOrEmpty(preferred) && DicomCharacterSet.FromSpecificCharacterSet(preferred).IsKnown)
        {
            try
            {
                return BuildWith(match, keys, empty, preferred, extras);
            }
            catch (DicomException)
            {
                // A value the requested repertoire cannot hold: answer in UTF-8 instead (PS3.4 C.4.1.1.3.2 lets the SCP choose).
            }
        }
        else
        {
            try
            {
                return BuildWith(match, keys, empty, null, extras);
            }
            catch (DicomException)
            {
                // Text beyond the default repertoire.
            }
        }

        return BuildWith(match, keys, empty, Utf8, extras);
    }

    private static DicomDataset BuildWith(DicomDataset match, IReadOnlyList<FindKey> keys, IReadOnlySet<DicomTag> empty, string? characterSet, Action<DicomDataset>? extras)
    {
        var response = new DicomDataset(keys.Count + 4);
        if (characterSet is not null)
        {
            response.Set(DicomTag.SpecificCharacterSet, DicomVR.CS, characterSet);
        }

        foreach (var key in keys)
        {
            if (empty.Contains(key.Tag))
            {
                SetEmpty(response, key.Tag, key.VR);
            }
            else if (key.IsSequence)
            {
                CopySequence(response, match.Get(key.Tag) as DicomSequence, key.Tag, key.ItemKeys);
            }
            else
            {
                CopyValue(response, match, key.Tag, key.VR);
            }
        }

        extras?.Invoke(response);
        return response;
    }

    private static void CopySequence(DicomDataset target, DicomSequence? source, DicomTag tag, IReadOnlyList<FindKey>? itemKeys)
    {
        var sourceItems = source?.Items ?? [];
        var items = sourceItems.Select(_ => new DicomDataset()).ToArray();

        // Attach the items first: they take the character set of the data set they belong to (PS3.5 7.5.3).
        target.Set(new DicomSequence(tag, items));
        for (var i = 0; i < items.Length; i++)
        {
            var sourceItem = sourceItems[i];
            if (itemKeys is null)
            {
                foreach (var element in sourceItem)
                {
                    if (element.Tag == DicomTag.SpecificCharacterSet)
                    {
                        continue;
                    }

                    if (element is DicomSequence nested)
                    {
                        CopySequence(items[i], nested, nested.Tag, null);
                    }
                    else
                    {
                        CopyValue(items[i], sourceItem, element.Tag, element.VR);
                    }
                }
            }
            else
            {
                foreach (var key in itemKeys)
                {
                    if (key.IsSequence)
                    {
                        CopySequence(items[i], sourceItem.Get(key.Tag) as DicomSequence, key.Tag, key.ItemKeys);
                    }
                    else
                    {
                        CopyValue(items[i], sourceItem, key.Tag, key.VR);
                    }
                }
            }
        }
    }

    /// <summary>Copies one attribute, re-encoding text in the target's character set; zero length when the source has no value.</summary>
    internal static void CopyValue(DicomDataset target, DicomDataset source, DicomTag tag, DicomVR requestedVr)
    {
        var element = source.Get(tag);
        if (element is null || element.Length <= 0 || element.IsBulkData || element is DicomFragmentSequence)
        {
            SetEmpty(target, tag, element?.VR is { } vr && vr != DicomVR.UN ? vr : requestedVr);
            return;
        }

        if (element is DicomSequence sequence)
        {
            CopySequence(target, sequence, tag, null);
            return;
        }

        if (element.VR.IsString())
        {
            target.Set(tag, element.VR, source.GetString(tag) ?? string.Empty);
            return;
        }

        target.Set(new DicomElement(tag, element.VR, element.Value));
    }

    private static void SetEmpty(DicomDataset target, DicomTag tag, DicomVR vr)
    {
        if (vr == DicomVR.SQ)
        {
            target.Set(new DicomSequence(tag));
            return;
        }

        if (vr is DicomVR.UN or DicomVR.None)
        {
            vr = DicomDictionary.GetVR(tag) is var known && known is not (DicomVR.UN or DicomVR.None) ? known : DicomVR.UN;
        }

        target.Set(new DicomElement(tag, vr, ReadOnlyMemory<byte>.Empty));
    }
}
