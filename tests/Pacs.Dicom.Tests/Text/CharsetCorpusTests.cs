namespace Pacs.Dicom.Tests.Text;

/// <summary>
/// Every file of the corpus's charsets/ folder (dclunie's Specific Character Set samples as pydicom ships them):
/// the decoded person names and other values that depend on the character set equal the expected text. The table
/// was produced once with pydicom 2.3 (its decode_bytes on the raw values, padding trimmed) and reviewed by eye; it
/// keeps a trailing empty component group ("…=王^小东=") that pydicom's PersonName drops, because the bytes have it.
/// </summary>
public sealed class CharsetCorpusTests
{
    public static TheoryData<string, string, string> ExpectedValues() => new()
    {
        { "chrArab.dcm", "0010,0010", "\u0642\u0628\u0627\u0646\u064A^\u0644\u0646\u0632\u0627\u0631" }, // PatientName: قباني^لنزار
        { "chrArab.dcm", "0010,0020", "SCSARAB" }, // PatientID: SCSARAB
        { "chrFren.dcm", "0010,0010", "Buc^J\u00E9r\u00F4me" }, // PatientName: Buc^Jérôme
        { "chrFren.dcm", "0010,0020", "SCSFREN" }, // PatientID: SCSFREN
        { "chrFrenMulti.dcm", "0010,0010", "Buc^J\u00E9r\u00F4me" }, // PatientName: Buc^Jérôme
        { "chrFrenMulti.dcm", "0010,0020", "SCSFREN" }, // PatientID: SCSFREN
        { "chrFrenMulti.dcm", "0010,1001", "Buc^J\u00E9r\u00F4me\\Buc^J\u00E9r\u00F4me" }, // OtherPatientNames: Buc^Jérôme\Buc^Jérôme
        { "chrGerm.dcm", "0010,0010", "\u00C4neas^R\u00FCdiger" }, // PatientName: Äneas^Rüdiger
        { "chrGerm.dcm", "0010,0020", "SCSGERM" }, // PatientID: SCSGERM
        { "chrGreek.dcm", "0010,0010", "\u0394\u03B9\u03BF\u03BD\u03C5\u03C3\u03B9\u03BF\u03C2" }, // PatientName: Διονυσιος
        { "chrGreek.dcm", "0010,0020", "SCSGREEK" }, // PatientID: SCSGREEK
        { "chrH31.dcm", "0010,0010", "Yamada^Tarou=\u5C71\u7530^\u592A\u90CE=\u3084\u307E\u3060^\u305F\u308D\u3046" }, // PatientName: Yamada^Tarou=山田^太郎=やまだ^たろう
        { "chrH31.dcm", "0010,0020", "H31EXAMPLE" }, // PatientID: H31EXAMPLE
        { "chrH32.dcm", "0010,0010", "\uFF94\uFF8F\uFF80\uFF9E^\uFF80\uFF9B\uFF73=\u5C71\u7530^\u592A\u90CE=\u3084\u307E\u3060^\u305F\u308D\u3046" }, // PatientName: ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう
        { "chrH32.dcm", "0010,0020", "H32EXAMPLE" }, // PatientID: H32EXAMPLE
        { "chrHbrw.dcm", "0010,0010", "\u05E9\u05E8\u05D5\u05DF^\u05D3\u05D1\u05D5\u05E8\u05D4" }, // PatientName: שרון^דבורה
        { "chrHbrw.dcm", "0010,0020", "SCSHBRW" }, // PatientID: SCSHBRW
        { "chrI2.dcm", "0010,0010", "Hong^Gildong=\u6D2A^\u5409\u6D1E=\uD64D^\uAE38\uB3D9" }, // PatientName: Hong^Gildong=洪^吉洞=홍^길동
        { "chrI2.dcm", "0010,0020", "I2EXAMPLE" }, // PatientID: I2EXAMPLE
        { "chrJapMulti.dcm", "0010,0010", "\u3084\u307E\u3060^\u305F\u308D\u3046" }, // PatientName: やまだ^たろう
        { "chrJapMulti.dcm", "0010,0020", "2008-4" }, // PatientID: 2008-4
        { "chrJapMulti.dcm", "0010,1001", "\u3084\u307E\u3060^\u305F\u308D\u3046\\\u3084\u307E\u3060^\u305F\u308D\u3046" }, // OtherPatientNames: やまだ^たろう\やまだ^たろう
        { "chrJapMulti.dcm", "0010,21B0", "\u305F\u308D\u3046" }, // AdditionalPatientHistory: たろう
        { "chrJapMultiExplicitIR6.dcm", "0010,0010", "\u3084\u307E\u3060^\u305F\u308D\u3046" }, // PatientName: やまだ^たろう
        { "chrJapMultiExplicitIR6.dcm", "0010,0020", "2008-4" }, // PatientID: 2008-4
        { "chrJapMultiExplicitIR6.dcm", "0010,1001", "\u3084\u307E\u3060^\u305F\u308D\u3046\\\u3084\u307E\u3060^\u305F\u308D\u3046" }, // OtherPatientNames: やまだ^たろう\やまだ^たろう
        { "chrJapMultiExplicitIR6.dcm", "0010,21B0", "\u305F\u308D\u3046" }, // AdditionalPatientHistory: たろう
        { "chrKoreanMulti.dcm", "0008,1070", "\uAE40\uD76C\uC911" }, // OperatorsName: 김희중
        { "chrKoreanMulti.dcm", "0010,0010", "\uAE40\uD76C\uC911" }, // PatientName: 김희중
        { "chrKoreanMulti.dcm", "0010,0020", "2008-3" }, // PatientID: 2008-3
        { "chrKoreanMulti.dcm", "0010,1001", "\uAE40\uD76C\uC911\\\uAE40\uD76C\uC911" }, // OtherPatientNames: 김희중\김희중
        { "chrKoreanMulti.dcm", "0010,21B0", "\uAE40\uD76C\uC911" }, // AdditionalPatientHistory: 김희중
        { "chrRuss.dcm", "0010,0010", "\u041B\u044E\u043Ace\u043C\u0431yp\u0433" }, // PatientName: Люкceмбypг
        { "chrRuss.dcm", "0010,0020", "SCSRUSS" }, // PatientID: SCSRUSS
        { "chrSQEncoding.dcm", "0008,0100", "Code Value" }, // CodeValue: Code Value
        { "chrSQEncoding.dcm", "0032,1032", "Doctor^Who^^MD" }, // RequestingPhysician: Doctor^Who^^MD
        { "chrSQEncoding.dcm", "0032,1064[0]/0008,0100", "CodeValue" }, // CodeValue: CodeValue
        { "chrSQEncoding.dcm", "0032,1064[0]/0010,0010", "\uFF94\uFF8F\uFF80\uFF9E^\uFF80\uFF9B\uFF73=\u5C71\u7530^\u592A\u90CE=\u3084\u307E\u3060^\u305F\u308D\u3046" }, // PatientName: ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう
        { "chrSQEncoding1.dcm", "0008,0100", "Code Value" }, // CodeValue: Code Value
        { "chrSQEncoding1.dcm", "0032,1032", "Doctor^Who^^MD" }, // RequestingPhysician: Doctor^Who^^MD
        { "chrSQEncoding1.dcm", "0032,1064[0]/0008,0100", "CodeValue" }, // CodeValue: CodeValue
        { "chrSQEncoding1.dcm", "0032,1064[0]/0010,0010", "\uFF94\uFF8F\uFF80\uFF9E^\uFF80\uFF9B\uFF73=\u5C71\u7530^\u592A\u90CE=\u3084\u307E\u3060^\u305F\u308D\u3046" }, // PatientName: ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう
        { "chrX1.dcm", "0010,0010", "Wang^XiaoDong=\u738B^\u5C0F\u6771=" }, // PatientName: Wang^XiaoDong=王^小東=
        { "chrX1.dcm", "0010,0020", "X1EXAMPLE" }, // PatientID: X1EXAMPLE
        { "chrX2.dcm", "0010,0010", "Wang^XiaoDong=\u738B^\u5C0F\u4E1C=" }, // PatientName: Wang^XiaoDong=王^小东=
        { "chrX2.dcm", "0010,0020", "X2EXAMPLE" }, // PatientID: X2EXAMPLE
    };

    [Theory]
    [MemberData(nameof(ExpectedValues))]
    public void Corpus_value_decodes_to_the_expected_text(string file, string path, string expected)
    {
        var dataset = DicomFile.Open(TestPaths.CorpusFile("charsets/" + file)).Dataset;

        var (owner, tag) = Resolve(dataset, path);

        Assert.Equal(expected, owner.GetString(tag));
    }

    [Fact]
    public void Every_file_of_the_charsets_folder_is_in_the_table()
    {
        var files = Directory.GetFiles(Path.Combine(TestPaths.Corpus, "charsets"), "*.dcm")
            .Select(f => Path.GetFileName(f))
            .Order(StringComparer.Ordinal)
            .ToArray();
        var covered = ExpectedValues().Select(row => (string)row[0]).Distinct().Order(StringComparer.Ordinal).ToArray();

        Assert.NotEmpty(files);
        Assert.Equal(files, covered);
    }

    [Fact]
    public void Every_file_of_the_charsets_folder_declares_a_known_character_set()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(TestPaths.Corpus, "charsets"), "*.dcm"))
        {
            var charset = DicomFile.Open(file).Dataset.CharacterSet;

            Assert.True(charset.IsKnown, $"{Path.GetFileName(file)}: unknown terms {string.Join(", ", charset.UnknownTerms)}");
        }
    }

    /// <summary>"gggg,eeee" or "gggg,eeee[i]/gggg,eeee…": the data set (item) holding the element, and its tag.</summary>
    private static (DicomDataset Owner, DicomTag Tag) Resolve(DicomDataset dataset, string path)
    {
        var steps = path.Split('/');
        foreach (var step in steps[..^1])
        {
            var open = step.IndexOf('[', StringComparison.Ordinal);
            var sequence = Assert.IsType<DicomSequence>(dataset.Get(DicomTag.Parse(step[..open])));
            dataset = sequence.Items[int.Parse(step[(open + 1)..^1], System.Globalization.CultureInfo.InvariantCulture)];
        }

        return (dataset, DicomTag.Parse(steps[^1]));
    }
}
