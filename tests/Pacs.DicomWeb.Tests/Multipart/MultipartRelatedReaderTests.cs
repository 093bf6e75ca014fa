using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Pacs.Http.Multipart;
using static Pacs.DicomWeb.Tests.Multipart.MultipartTestMessages;

namespace Pacs.DicomWeb.Tests.Multipart;

public class MultipartRelatedReaderTests
{
    private static byte[] TwoPartMessage() => Concat(
        Ascii($"--{Boundary}\r\n"),
        Ascii("Content-Type: application/dicom; transfer-syntax=1.2.840.10008.1.2.1\r\n"),
        Ascii("Content-Location: http://example.org/studies/1.2/series/1.3/instances/1.4\r\n"),
        Ascii("Content-Length: 5\r\n\r\n"),
        Ascii("first"),
        Ascii($"\r\n--{Boundary}\r\n"),
        Ascii("Content-Type: application/octet-stream\r\nContent-ID: <frame-2@pacs>\r\n\r\n"),
        TrickyBody(),
        Ascii($"\r\n--{Boundary}--\r\n"));

    private static MultipartRelatedReader Reader(byte[] message, int chunk = int.MaxValue, MultipartReaderOptions? options = null) =>
        new(new ChunkedStream(message, chunk), Boundary, options);

    [Fact]
    public async Task Two_parts_come_back_with_their_headers_and_exact_bodies()
    {
        var parts = await ReadAllAsync(Reader(TwoPartMessage()));

        Assert.Equal(2, parts.Count);
        Assert.Equal("first"u8.ToArray(), parts[0].Body);
        Assert.Equal(TrickyBody(), parts[1].Body);
        Assert.Equal("Content-Type", parts[0].Headers[0].Key);
        Assert.Equal("application/dicom; transfer-syntax=1.2.840.10008.1.2.1", parts[0].Headers[0].Value);
    }

    [Fact]
    public async Task Part_exposes_content_type_parameters_location_id_and_length()
    {
        var reader = Reader(TwoPartMessage());

        var first = await reader.ReadNextPartAsync();
        Assert.NotNull(first);
        Assert.Equal("application/dicom", first.ContentType!.Essence);
        Assert.Equal("1.2.840.10008.1.2.1", first.ContentType.GetParameter("transfer-syntax"));
        Assert.Equal("http://example.org/studies/1.2/series/1.3/instances/1.4", first.ContentLocation);
        Assert.Equal(5, first.ContentLength);
        Assert.Null(first.ContentId);

        var second = await reader.ReadNextPartAsync();
        Assert.NotNull(second);
        Assert.Equal(1, second.Index);
        Assert.Equal("<frame-2@pacs>", second.ContentId);
        Assert.Null(second.ContentLength);
        Assert.Equal("application/octet-stream", second.GetHeader("content-type"));

        Assert.Null(await reader.ReadNextPartAsync());
        Assert.Null(await reader.ReadNextPartAsync());
    }

    [Fact]
    public async Task Every_input_split_and_every_body_read_size_gives_the_same_parts()
    {
        var message = TwoPartMessage();
        var expected = await ReadAllAsync(Reader(message));

        // Input arriving 1, 2, … n bytes at a time puts the boundary (and every other token) across reads at every offset.
        foreach (var bodyReadSize in new[] { 1, 2, 3, 7, 16, 4096 })
        {
            for (var chunk = 1; chunk <= message.Length; chunk++)
            {
                var reader = Reader(message, chunk, new MultipartReaderOptions { StreamBufferBytes = 1 });
                var parts = await ReadAllAsync(reader, bodyReadSize);

                Assert.Equal(expected.Count, parts.Count);
                for (var i = 0; i < parts.Count; i++)
                {
                    Assert.Equal(expected[i].Body, parts[i].Body);
                    Assert.Equal(expected[i].Headers, parts[i].Headers);
                }
            }
        }
    }

    [Fact]
    public async Task Pipe_fed_in_small_writes_gives_the_same_parts()
    {
        var message = TwoPartMessage();
        foreach (var writeSize in new[] { 1, 5, 19, 64 })
        {
            var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 256, resumeWriterThreshold: 128, minimumSegmentSize: 16));
            var writer = Task.Run(async () =>
            {
                for (var offset = 0; offset < message.Length; offset += writeSize)
                {
                    await pipe.Writer.WriteAsync(message.AsMemory(offset, Math.Min(writeSize, message.Length - offset)));
                }

                await pipe.Writer.CompleteAsync();
            });

            // The pause threshold is above the longest header line: a reader that needs a whole line must be able to get it.
            var parts = await ReadAllAsync(new MultipartRelatedReader(pipe.Reader, Boundary), bodyReadSize: 3);
            await writer.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(2, parts.Count);
            Assert.Equal(TrickyBody(), parts[1].Body);
        }
    }

    [Fact]
    public async Task Preamble_and_epilogue_are_ignored()
    {
        var message = Concat(
            Ascii("This is a preamble.\r\nIt mentions --b0undary-XyZ-not but not as a line start.\r\n"),
            Ascii($"--{Boundary}\r\nContent-Type: text/plain\r\n\r\nbody"),
            Ascii($"\r\n--{Boundary}--\r\nThis is the epilogue, which may say anything, even \r\n--{Boundary}\r\n"));

        var parts = await ReadAllAsync(Reader(message));

        var part = Assert.Single(parts);
        Assert.Equal("body"u8.ToArray(), part.Body);
    }

    [Fact]
    public async Task Spaces_and_tabs_after_a_boundary_are_transport_padding()
    {
        var message = Concat(
            Ascii($"--{Boundary} \t \r\nContent-Type: text/plain\r\n\r\none"),
            Ascii($"\r\n--{Boundary}\t\r\n\r\ntwo"),
            Ascii($"\r\n--{Boundary}--"));

        var parts = await ReadAllAsync(Reader(message));

        Assert.Equal(["one"u8.ToArray(), "two"u8.ToArray()], parts.Select(p => p.Body));
    }

    [Fact]
    public async Task Message_ending_at_the_close_delimiter_without_a_final_CRLF_is_complete()
    {
        var message = Ascii($"--{Boundary}\r\nContent-Type: text/plain\r\n\r\nlast\r\n--{Boundary}--");

        var parts = await ReadAllAsync(Reader(message, chunk: 3));

        Assert.Equal("last"u8.ToArray(), Assert.Single(parts).Body);
    }

    [Fact]
    public async Task Bare_LF_line_ends_in_the_boundary_line_and_headers_are_tolerated()
    {
        var message = Ascii($"--{Boundary}\nContent-Type: text/plain\nContent-Location: x\n\nbody\r\n--{Boundary}--\n");

        var reader = Reader(message);
        var part = await reader.ReadNextPartAsync();

        Assert.NotNull(part);
        Assert.Equal("x", part.ContentLocation);
        Assert.Equal("body", await new StreamReader(part.Body).ReadToEndAsync());
    }

    [Fact]
    public async Task Folded_header_lines_are_joined()
    {
        var message = Ascii($"--{Boundary}\r\nContent-Type: multipart/related;\r\n\ttype=\"application/dicom+xml\"\r\n\r\n\r\n--{Boundary}--");

        var part = await Reader(message).ReadNextPartAsync();

        Assert.Equal("application/dicom+xml", part!.ContentType!.GetParameter("type"));
    }

    [Fact]
    public async Task A_part_with_neither_headers_nor_body_is_read_as_empty()
    {
        var message = Ascii($"--{Boundary}\r\n\r\n--{Boundary}\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--{Boundary}--");

        var parts = await ReadAllAsync(Reader(message, chunk: 1));

        Assert.Equal(2, parts.Count);
        Assert.Empty(parts[0].Headers);
        Assert.Empty(parts[0].Body);
        Assert.Equal("second"u8.ToArray(), parts[1].Body);
    }

    [Fact]
    public async Task A_part_without_headers_keeps_its_body()
    {
        var message = Ascii($"--{Boundary}\r\n\r\nno headers\r\n--{Boundary}--");

        var part = Assert.Single(await ReadAllAsync(Reader(message)));

        Assert.Empty(part.Headers);
        Assert.Equal("no headers"u8.ToArray(), part.Body);
    }

    [Fact]
    public async Task Unread_body_is_skipped_when_the_next_part_is_asked_for()
    {
        var reader = Reader(TwoPartMessage(), chunk: 2);

        var first = await reader.ReadNextPartAsync();
        var firstByte = new byte[1];
        Assert.Equal(1, await first!.Body.ReadAsync(firstByte));
        var second = await reader.ReadNextPartAsync();

        Assert.Equal((byte)'f', firstByte[0]);
        Assert.Equal(0, await first.Body.ReadAsync(firstByte));
        using var body = new MemoryStream();
        await second!.Body.CopyToAsync(body);
        Assert.Equal(TrickyBody(), body.ToArray());
        Assert.Null(await reader.ReadNextPartAsync());
    }

    [Fact]
    public async Task A_message_with_only_the_close_delimiter_has_no_parts()
    {
        Assert.Empty(await ReadAllAsync(Reader(Ascii($"--{Boundary}--\r\n"))));
    }

    [Fact]
    public async Task Synchronous_reads_of_a_body_work_outside_Kestrel()
    {
        var part = await Reader(TwoPartMessage(), chunk: 4).ReadNextPartAsync();

        using var text = new StreamReader(part!.Body);

        Assert.Equal("first", text.ReadToEnd());
    }

    [Theory]
    [InlineData("multipart/related; type=\"application/dicom\"")]
    [InlineData("multipart/related; type=\"application/dicom\"; boundary=")]
    [InlineData("multipart/related; type=\"application/dicom\"; boundary=\"\"")]
    public void Content_type_without_a_boundary_is_refused_by_name(string contentType)
    {
        var error = Assert.Throws<MultipartException>(() => MultipartRelatedReader.GetBoundary(contentType));

        Assert.Contains("boundary", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "no Content-Type")]
    [InlineData("application/dicom", "not multipart")]
    [InlineData("not a media type", "not a media type")]
    public void Content_type_that_is_not_multipart_is_refused_with_the_reason(string? contentType, string reason)
    {
        var error = Assert.Throws<MultipartException>(() => MultipartRelatedReader.GetBoundary(contentType));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Boundary_is_taken_quoted_or_unquoted()
    {
        Assert.Equal("abc:def", MultipartRelatedReader.GetBoundary("multipart/related; boundary=\"abc:def\"; type=\"application/dicom\""));
        Assert.Equal("simple", MultipartRelatedReader.GetBoundary("Multipart/Related; Boundary=simple"));
    }

    [Fact]
    public void Boundary_longer_than_70_characters_is_refused()
    {
        var error = Assert.Throws<MultipartException>(() => MultipartRelatedReader.GetBoundary("multipart/related; boundary=" + new string('a', 71)));

        Assert.Contains("70", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_that_ends_before_the_close_delimiter_fails_inside_the_part_with_its_number()
    {
        var message = Ascii($"--{Boundary}\r\nContent-Type: text/plain\r\n\r\none\r\n--{Boundary}\r\nContent-Type: text/plain\r\n\r\ntwo, cut");
        var reader = Reader(message, chunk: 5);
        Assert.NotNull(await reader.ReadNextPartAsync());
        var second = await reader.ReadNextPartAsync();

        var error = await Assert.ThrowsAsync<MultipartException>(async () => await second!.Body.CopyToAsync(Stream.Null));

        Assert.Contains("part 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("inside the body", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bytes_before_a_truncation_are_delivered_before_the_error()
    {
        const string Sent = "0123456789012345678901234567890123456789";
        var message = Ascii($"--{Boundary}\r\n\r\n{Sent}");
        var part = await Reader(message, chunk: 3).ReadNextPartAsync();
        var received = new List<byte>();
        var buffer = new byte[4];

        await Assert.ThrowsAsync<MultipartException>(async () =>
        {
            int read;
            while ((read = await part!.Body.ReadAsync(buffer)) > 0)
            {
                received.AddRange(buffer.AsSpan(0, read).ToArray());
            }
        });

        // The last delimiter-length-minus-one bytes could have begun a delimiter; all before them arrived.
        var heldBack = Boundary.Length + 3;
        Assert.Equal(Ascii(Sent[..^heldBack]), received.ToArray());
    }

    [Theory]
    [InlineData("--b0undary-XyZ\r\nContent-Type: text/plain\r\n", "inside the headers")]
    [InlineData("--b0undary-XyZ\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b0undary-XyZ", "after a delimiter")]
    [InlineData("--b0undary-XyZ\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b0undary-XyZ\r\n", "inside the headers")]
    [InlineData("--b0undary-XyZ", "after a delimiter")]
    public async Task Message_cut_anywhere_before_the_close_delimiter_is_refused(string text, string where)
    {
        var error = await Assert.ThrowsAsync<MultipartException>(() => ReadAllAsync(Reader(Ascii(text), chunk: 2)));

        Assert.Contains(where, error.Message, StringComparison.Ordinal);
        Assert.Contains("close delimiter", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_without_any_delimiter_is_refused()
    {
        var error = await Assert.ThrowsAsync<MultipartException>(() => ReadAllAsync(Reader(Ascii("just some bytes, no multipart here"))));

        Assert.Contains("no delimiter", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preamble_longer_than_the_limit_is_refused_without_reading_the_whole_body()
    {
        var message = new byte[10_000_000];
        var stream = new ChunkedStream(message, 4096);
        var reader = new MultipartRelatedReader(stream, Boundary, new MultipartReaderOptions { MaxPreambleBytes = 1000, StreamBufferBytes = 4096 });

        var error = await Assert.ThrowsAsync<MultipartException>(async () => await reader.ReadNextPartAsync());

        Assert.Contains("first 1000 bytes", error.Message, StringComparison.Ordinal);
        Assert.True(stream.Reads < 10, $"read {stream.Reads} chunks before giving up");
    }

    [Fact]
    public async Task Header_block_larger_than_the_limit_is_refused()
    {
        var message = Concat(Ascii($"--{Boundary}\r\nContent-Type: text/plain\r\nX-Filler: "), Enumerable.Repeat((byte)'a', 5000).ToArray(), Ascii("\r\n\r\nbody"));
        var reader = Reader(message, chunk: 100, new MultipartReaderOptions { MaxHeaderBytes = 1024 });

        var error = await Assert.ThrowsAsync<MultipartException>(async () => await reader.ReadNextPartAsync());

        Assert.Contains("headers of part 1 exceed 1024 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_small_header_lines_count_towards_the_limit()
    {
        var lines = string.Concat(Enumerable.Range(0, 200).Select(i => $"X-H{i}: v\r\n"));
        var reader = Reader(Ascii($"--{Boundary}\r\n{lines}\r\nbody\r\n--{Boundary}--"), options: new MultipartReaderOptions { MaxHeaderBytes = 512 });

        await Assert.ThrowsAsync<MultipartException>(async () => await reader.ReadNextPartAsync());
    }

    [Theory]
    [InlineData("--b0undary-XyZX\r\n\r\nbody\r\n--b0undary-XyZ--")]
    [InlineData("--b0undary-XyZ\r\n\r\nbody\r\n--b0undary-XyZ-x\r\n")]
    public async Task Delimiter_followed_by_other_text_is_refused(string text)
    {
        var error = await Assert.ThrowsAsync<MultipartException>(() => ReadAllAsync(Reader(Ascii(text))));

        Assert.Contains("RFC 2046 5.1.1 allows only", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no colon here")]
    [InlineData("Bad Name: value")]
    [InlineData(": empty name")]
    public async Task Header_line_that_is_not_name_colon_value_is_refused(string line)
    {
        var reader = Reader(Ascii($"--{Boundary}\r\n{line}\r\n\r\nbody\r\n--{Boundary}--"));

        var error = await Assert.ThrowsAsync<MultipartException>(async () => await reader.ReadNextPartAsync());

        Assert.Contains("not 'Name: value'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reader_from_an_HTTP_request_takes_the_boundary_from_its_content_type()
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = $"multipart/related; type=\"application/dicom\"; boundary={Boundary}";
        context.Request.Body = new MemoryStream(TwoPartMessage());

        var parts = await ReadAllAsync(MultipartRelatedReader.FromRequest(context.Request));

        Assert.Equal(2, parts.Count);
    }

    [Fact]
    public async Task Cancellation_stops_a_read_that_waits_for_data()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Ascii($"--{Boundary}\r\nContent-Type: text/plain\r\n\r\n{new string('x', 100)}"));
        var part = await new MultipartRelatedReader(pipe.Reader, Boundary).ReadNextPartAsync(timeout.Token);
        var buffer = new byte[1000];
        Assert.Equal(100 - (Boundary.Length + 3), await part!.Body.ReadAsync(buffer, timeout.Token));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);

        var pending = part.Body.ReadAsync(buffer, cancel.Token).AsTask();
        Assert.False(pending.IsCompleted);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        Assert.False(timeout.IsCancellationRequested);
    }
}
