using Pacs.Cli;
using Pacs.Cli.Commands;
using Pacs.Dicom.Tests;

namespace Pacs.Cli.Tests;

public sealed class CliTests
{
    [Fact]
    public void Dump_prints_each_element_with_tag_vr_value_and_keyword_and_exits_0()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = DumpCommand.Run([TestPaths.CorpusFile("valid/CT_small.dcm")], output, error);

        Assert.Equal(Program.ExitOk, code);
        Assert.Contains("(0010,0010) PN [CompressedSamples^CT1]", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("(0002,0010) UI [1.2.840.10008.1.2.1]", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, error.ToString());
    }

    [Fact]
    public void Dump_of_an_unreadable_file_names_it_with_the_reason_and_exits_1()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = DumpCommand.Run([TestPaths.CorpusFile("malformed/synthetic/not_dicom_text.dcm"), TestPaths.CorpusFile("valid/CT_small.dcm")], output, error);

        Assert.Equal(Program.ExitSomeFailed, code);
        Assert.Contains("not_dicom_text.dcm: Not DICOM", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("CompressedSamples^CT1", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Dump_with_no_pixel_stops_before_pixel_data()
    {
        var output = new StringWriter();

        DumpCommand.Run([TestPaths.CorpusFile("valid/CT_small.dcm"), "--no-pixel"], output, new StringWriter());

        Assert.DoesNotContain("(7FE0,0010)", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("(0028,0010) US", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Dump_without_arguments_is_a_usage_error()
    {
        var error = new StringWriter();

        Assert.Equal(Program.ExitUsage, DumpCommand.Run([], new StringWriter(), error));
        Assert.Contains("FILE", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_counts_sop_classes_and_transfer_syntaxes_and_lists_unreadable_files()
    {
        var output = new StringWriter();

        var code = ScanCommand.Run([Path.Combine(TestPaths.Corpus, "malformed", "synthetic")], output, new StringWriter());

        var text = output.ToString();
        Assert.Equal(Program.ExitSomeFailed, code);
        Assert.Contains("Transfer syntaxes:", text, StringComparison.Ordinal);
        Assert.Contains("Explicit VR Little Endian", text, StringComparison.Ordinal);
        Assert.Contains("empty.dcm: The input is empty", text, StringComparison.Ordinal);
        Assert.Contains("Could not read:", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_of_readable_files_only_exits_0()
    {
        var output = new StringWriter();

        var code = ScanCommand.Run([Path.Combine(TestPaths.Corpus, "series")], output, new StringWriter());

        Assert.Equal(Program.ExitOk, code);
        Assert.Contains("19 files, 19 read, 0 could not be read", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_command_is_a_usage_error()
    {
        Assert.Equal(Program.ExitUsage, Program.Main(["frobnicate"]));
    }
}

public sealed class JsonCommandTests
{
    [Fact]
    public void Json_writes_the_data_set_as_dicom_json_and_exits_0()
    {
        using var output = new MemoryStream();

        var code = JsonCommand.Run([TestPaths.CorpusFile("valid/CT_small.dcm")], output, new StringWriter());

        Assert.Equal(Program.ExitOk, code);
        using var json = System.Text.Json.JsonDocument.Parse(output.ToArray());
        var name = json.RootElement.GetProperty("00100010");
        Assert.Equal("PN", name.GetProperty("vr").GetString());
        Assert.Equal("CompressedSamples^CT1", name.GetProperty("Value")[0].GetProperty("Alphabetic").GetString());
        Assert.True(json.RootElement.GetProperty("7FE00010").TryGetProperty("InlineBinary", out _));
    }

    [Fact]
    public void Json_with_a_bulk_threshold_points_large_values_back_into_the_file()
    {
        using var output = new MemoryStream();

        JsonCommand.Run([TestPaths.CorpusFile("valid/CT_small.dcm"), "--bulk-threshold", "1024"], output, new StringWriter());

        using var json = System.Text.Json.JsonDocument.Parse(output.ToArray());
        var uri = json.RootElement.GetProperty("7FE00010").GetProperty("BulkDataURI").GetString();
        Assert.StartsWith("file://", uri, StringComparison.Ordinal);
        Assert.Contains("length=32768", uri, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_of_a_file_that_is_not_dicom_exits_1_with_the_reason()
    {
        var error = new StringWriter();

        var code = JsonCommand.Run([TestPaths.CorpusFile("malformed/synthetic/empty.dcm")], new MemoryStream(), error);

        Assert.Equal(Program.ExitSomeFailed, code);
        Assert.Contains("empty", error.ToString(), StringComparison.Ordinal);
    }
}
