namespace Pacs.Dicom.Tests.Reading;

/// <summary>
/// Each file of malformed/synthetic is handled as its row of CASES.tsv says: a typed error where it says reject,
/// a lenient read where it says accept or tolerate, either where it allows both; never another exception.
/// The real broken files of malformed/ either read or fail with a typed error.
/// </summary>
public sealed class MalformedCasesTests
{
    private static readonly DicomTag PatientName = new(0x00100010);
    private static readonly DicomTag PatientId = new(0x00100020);

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var line in File.ReadLines(Path.Combine(TestPaths.Corpus, "malformed", "synthetic", "CASES.tsv")).Skip(1))
        {
            var columns = line.Split('\t');
            data.Add(columns[0], columns[2]);
        }

        return data;
    }

    public static TheoryData<string> RealBrokenFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(TestPaths.Corpus, "malformed"), "*.dcm").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Synthetic_defect_is_handled_as_CASES_tsv_says(string file, string expected)
    {
        var path = Path.Combine(TestPaths.Corpus, "malformed", "synthetic", file);
        var outcome = Read(path, out var dicom, out var error);

        switch (Expectation(expected))
        {
            case Handling.Reject:
                Assert.True(outcome == Outcome.TypedError, $"{file}: expected a typed error ({expected}), got {outcome}");
                Assert.False(string.IsNullOrWhiteSpace(error!.Reason));
                break;
            case Handling.Read:
                Assert.True(outcome == Outcome.Read, $"{file}: expected a lenient read ({expected}), got {outcome}: {error?.Message}");
                break;
            default:
                Assert.True(outcome is Outcome.Read or Outcome.TypedError, $"{file}: got {outcome}");
                break;
        }
    }

    [Theory]
    [MemberData(nameof(RealBrokenFiles))]
    public void Real_broken_file_reads_or_fails_with_a_typed_error(string file)
    {
        var outcome = Read(Path.Combine(TestPaths.Corpus, "malformed", file), out _, out _);

        Assert.True(outcome is Outcome.Read or Outcome.TypedError, $"{file}: {outcome}");
    }

    [Fact]
    public void Meta_saying_implicit_over_explicit_data_reports_the_real_transfer_syntax()
    {
        var dicom = OpenSynthetic("ts_implicit_but_data_explicit.dcm");

        Assert.Equal(DicomTransferSyntax.ExplicitVRLittleEndian, dicom.TransferSyntax);
        Assert.NotEmpty(dicom.Warnings);
        Assert.False(string.IsNullOrEmpty(dicom.Dataset.GetString(PatientName)));
    }

    [Fact]
    public void Meta_saying_explicit_over_implicit_data_reports_the_real_transfer_syntax()
    {
        var dicom = OpenSynthetic("ts_explicit_but_data_implicit.dcm");

        Assert.Equal(DicomTransferSyntax.ImplicitVRLittleEndian, dicom.TransferSyntax);
        Assert.False(string.IsNullOrEmpty(dicom.Dataset.GetString(PatientName)));
    }

    [Fact]
    public void Vr_that_differs_from_the_dictionary_is_kept_as_written()
    {
        var dicom = OpenSynthetic("vr_differs_from_dictionary.dcm");

        Assert.Equal(DicomVR.LO, dicom.Dataset[PatientName]!.VR);
    }

    [Fact]
    public void Duplicate_tag_keeps_the_first_value_and_warns()
    {
        var dicom = OpenSynthetic("duplicate_tag.dcm");

        Assert.Single(dicom.Dataset, e => e.Tag == PatientId);
        Assert.Contains(dicom.Warnings, w => w.Contains("twice", StringComparison.Ordinal));
    }

    [Fact]
    public void Tags_out_of_order_are_sorted()
    {
        var dicom = OpenSynthetic("tags_out_of_order.dcm");

        var tags = dicom.Dataset.Select(e => e.Tag.Value).ToList();
        Assert.Equal(tags.Order().ToList(), tags);
        Assert.True(dicom.Dataset.Contains(PatientId));
    }

    [Fact]
    public void Bad_date_and_time_values_are_kept_and_read_as_absent()
    {
        var dicom = OpenSynthetic("bad_date_time_values.dcm");

        Assert.Equal("2023-07-02", dicom.Dataset.GetString(new DicomTag(0x00080020)));
        Assert.Null(dicom.Dataset.GetDate(new DicomTag(0x00080020)));
        Assert.Null(dicom.Dataset.GetTime(new DicomTag(0x00080030)));
        Assert.Null(dicom.Dataset.GetDate(new DicomTag(0x00100030)));
    }

    [Fact]
    public void Odd_length_value_is_read_with_a_warning()
    {
        var dicom = OpenSynthetic("odd_length_value.dcm");

        Assert.Equal(9, dicom.Dataset[PatientId]!.Length);
        Assert.Contains(dicom.Warnings, w => w.Contains("odd", StringComparison.Ordinal));
    }

    [Fact]
    public void Truncated_file_error_names_the_offset()
    {
        var error = Assert.Throws<DicomReadException>(() => OpenSynthetic("truncated_in_element_header.dcm"));

        Assert.Equal(DicomReadError.Truncated, error.Error);
        Assert.True(error.Offset > 0);
        Assert.Contains("offset", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_file_is_refused_as_not_dicom()
    {
        var error = Assert.Throws<DicomReadException>(() => OpenSynthetic("not_dicom_text.dcm"));

        Assert.Equal(DicomReadError.NotDicom, error.Error);
    }

    private static DicomFile OpenSynthetic(string file) =>
        DicomFile.Open(Path.Combine(TestPaths.Corpus, "malformed", "synthetic", file));

    private enum Outcome
    {
        Read,
        TypedError,
    }

    private enum Handling
    {
        Reject,
        Read,
        Either,
    }

    private static Handling Expectation(string text)
    {
        if (text.Contains(" or ", StringComparison.Ordinal) || text.Contains(", or", StringComparison.Ordinal))
        {
            return Handling.Either;
        }

        if (text.StartsWith("reject on ingest", StringComparison.Ordinal))
        {
            // The object itself reads; ingest refuses it (it cannot be indexed).
            return Handling.Read;
        }

        return text.StartsWith("reject", StringComparison.Ordinal) ? Handling.Reject : Handling.Read;
    }

    private static Outcome Read(string path, out DicomFile? dicom, out DicomReadException? error)
    {
        dicom = null;
        error = null;
        try
        {
            dicom = DicomFile.Open(path);
            ExerciseValues(dicom.Dataset);
            return Outcome.Read;
        }
        catch (DicomReadException ex)
        {
            error = ex;
            return Outcome.TypedError;
        }
    }

    /// <summary>Reads every value through the public getters, so a defect that only shows on access is found too.</summary>
    internal static void ExerciseValues(DicomDataset dataset)
    {
        foreach (var element in dataset)
        {
            if (element is DicomSequence sq)
            {
                foreach (var item in sq.Items)
                {
                    ExerciseValues(item);
                }

                continue;
            }

            if (element.IsBulkData || element is DicomFragmentSequence)
            {
                continue;
            }

            if (element.VR.IsString())
            {
                _ = dataset.GetStrings(element.Tag);
                _ = dataset.GetString(element.Tag);
                if (element.VR == DicomVR.PN)
                {
                    _ = dataset.GetPersonNames(element.Tag);
                }
                else if (element.VR is DicomVR.DA)
                {
                    _ = dataset.GetDate(element.Tag);
                }
                else if (element.VR is DicomVR.TM)
                {
                    _ = dataset.GetTime(element.Tag);
                }
                else if (element.VR is DicomVR.DT)
                {
                    _ = dataset.GetDateTime(element.Tag);
                }
                else if (element.VR is DicomVR.IS or DicomVR.DS)
                {
                    _ = dataset.GetDoubles(element.Tag);
                }
            }
            else if (element.VR.BinaryValueSize() > 1)
            {
                _ = dataset.GetDoubles(element.Tag);
            }
        }
    }
}
