using System.Text;
using Pacs.Http.Multipart;

namespace Pacs.DicomWeb.Tests.Multipart;

public class MultipartRelatedWriterTests
{
    [Fact]
    public async Task Parts_are_framed_exactly_as_RFC_2046_and_PS3_18_spell_them()
    {
        using var output = new MemoryStream();
        var writer = new MultipartRelatedWriter(output, "B");

        await writer.WritePartAsync(new MultipartPartHeaders("application/dicom; transfer-syntax=1.2.840.10008.1.2.1"), "one"u8.ToArray());
        await writer.WritePartAsync(
            new MultipartPartHeaders("application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1")
            {
                ContentLocation = "http://h/dicom-web/studies/1/series/2/instances/3/frames/1",
                ContentId = "<f1@pacs>",
                ContentLength = 3,
            },
            new MemoryStream("two"u8.ToArray()));
        await writer.CompleteAsync();

        var expected =
            "--B\r\nContent-Type: application/dicom; transfer-syntax=1.2.840.10008.1.2.1\r\n\r\none"
            + "\r\n--B\r\nContent-Type: application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1\r\n"
            + "Content-Location: http://h/dicom-web/studies/1/series/2/instances/3/frames/1\r\nContent-ID: <f1@pacs>\r\nContent-Length: 3\r\n\r\ntwo"
            + "\r\n--B--\r\n";
        Assert.Equal(expected, Encoding.ASCII.GetString(output.ToArray()));
        Assert.Equal(2, writer.PartCount);
    }

    [Fact]
    public void Response_content_type_names_the_part_type_without_its_parameters()
    {
        var writer = new MultipartRelatedWriter(Stream.Null, "xyz");

        Assert.Equal("multipart/related; type=\"application/dicom\"; boundary=xyz", writer.GetContentType("application/dicom; transfer-syntax=*"));
        Assert.Equal("multipart/related; type=\"application/dicom+xml\"; boundary=xyz", writer.GetContentType("application/dicom+xml"));
    }

    [Fact]
    public void Generated_boundaries_are_fresh_tokens_of_legal_length()
    {
        var boundaries = Enumerable.Range(0, 100).Select(_ => MultipartBoundary.Create()).ToList();

        Assert.Equal(100, boundaries.Distinct().Count());
        Assert.All(boundaries, b =>
        {
            Assert.InRange(b.Length, 1, 70);
            Assert.Matches("^pacs-[0-9a-zA-Z]{32}$", b);
        });
    }

    [Fact]
    public async Task Writer_output_reads_back_through_the_reader()
    {
        var bodies = new[] { MultipartTestMessages.TrickyBody(), [], new byte[100_000] };
        new Random(7).NextBytes(bodies[2]);
        using var output = new MemoryStream();
        var writer = new MultipartRelatedWriter(output);
        foreach (var body in bodies)
        {
            await writer.WritePartAsync(new MultipartPartHeaders("application/octet-stream"), async (stream, ct) => await stream.WriteAsync(body, ct));
        }

        await writer.CompleteAsync();

        output.Position = 0;
        var parts = await MultipartTestMessages.ReadAllAsync(new MultipartRelatedReader(new ChunkedStream(output.ToArray(), 777), writer.Boundary), 1000);
        Assert.Equal(bodies, parts.Select(p => p.Body));
        Assert.All(parts, p => Assert.Equal("application/octet-stream", Assert.Single(p.Headers).Value));
    }

    [Fact]
    public async Task Part_body_written_through_begin_part_goes_straight_to_the_output()
    {
        using var output = new MemoryStream();
        var writer = new MultipartRelatedWriter(output, "B");

        await writer.BeginPartAsync(new MultipartPartHeaders("image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.50"));
        var afterHeader = output.Length;
        await writer.Output.WriteAsync("jpeg"u8.ToArray());

        Assert.Equal(afterHeader + 4, output.Length);
    }

    [Fact]
    public async Task Zero_parts_write_only_the_close_delimiter()
    {
        using var output = new MemoryStream();

        await new MultipartRelatedWriter(output, "B").CompleteAsync();

        Assert.Equal("--B--\r\n", Encoding.ASCII.GetString(output.ToArray()));
    }

    [Theory]
    [InlineData("application/dicom\r\nX-Injected: yes")]
    [InlineData("application/dicom\n")]
    public async Task Header_values_with_line_breaks_are_refused(string contentType)
    {
        var writer = new MultipartRelatedWriter(Stream.Null);

        await Assert.ThrowsAsync<ArgumentException>(async () => await writer.BeginPartAsync(new MultipartPartHeaders(contentType)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("quote\"d")]
    public void Boundary_that_is_not_a_token_is_refused(string boundary)
    {
        Assert.Throws<ArgumentException>(() => new MultipartRelatedWriter(Stream.Null, boundary));
    }

    [Fact]
    public async Task No_part_may_follow_the_close_delimiter()
    {
        var writer = new MultipartRelatedWriter(Stream.Null);
        await writer.CompleteAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await writer.BeginPartAsync(new MultipartPartHeaders("text/plain")));
    }
}
