using System.Globalization;
using System.Numerics;

namespace Pacs.Dicom.Tests.Uids;

public sealed class DicomUidGeneratorTests
{
    private const string Root = "1.2.826.0.1.3680043.10.1";

    [Fact]
    public void Generate_gives_a_2_25_UID_holding_a_version_4_UUID()
    {
        var uid = DicomUidGenerator.Generate();

        Assert.StartsWith("2.25.", uid, StringComparison.Ordinal);
        Assert.True(DicomUidGenerator.IsValid(uid), uid);
        Assert.InRange(uid.Length, 6, 5 + 39);
        var value = BigInteger.Parse(uid[5..], CultureInfo.InvariantCulture);
        Assert.True(value < BigInteger.One << 128);
        // RFC 9562: version in bits 76-79, variant 0b10 in bits 62-63 of the 128-bit number.
        Assert.Equal(4, (int)((value >> 76) & 0xF));
        Assert.Equal(2, (int)((value >> 62) & 0x3));
    }

    [Fact]
    public void Generate_gives_100000_distinct_valid_UIDs()
    {
        var uids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 100_000; i++)
        {
            var uid = DicomUidGenerator.Generate();
            Assert.True(uid.Length <= 64 && uids.Add(uid), uid);
        }

        Assert.All(uids.Take(1000), uid => Assert.True(DicomUidGenerator.IsValid(uid), uid));
    }

    [Fact]
    public void FromName_is_the_version_5_UUID_of_the_name_in_the_OID_name_space()
    {
        // Python: uuid.uuid5(uuid.NAMESPACE_OID, "1.2.3").int (42d5e23b-3a02-5135-85c6-52d1102f1f00)
        Assert.Equal("2.25.88839595469657311435919266497071881984", DicomUidGenerator.FromName("1.2.3"));
        Assert.Equal("2.25.13837052152308061008803972860701355855", DicomUidGenerator.FromName(string.Empty));
    }

    [Fact]
    public void FromName_is_deterministic_and_tells_names_apart()
    {
        var a = DicomUidGenerator.FromName("study 42 anonymised");

        Assert.Equal(a, DicomUidGenerator.FromName("study 42 anonymised"));
        Assert.NotEqual(a, DicomUidGenerator.FromName("study 43 anonymised"));
        Assert.NotEqual(a, DicomUidGenerator.FromName(Guid.Parse("6ba7b811-9dad-11d1-80b4-00c04fd430c8"), "study 42 anonymised"));
        Assert.True(DicomUidGenerator.IsValid(a));
        Assert.Equal(5, (int)((BigInteger.Parse(a[5..], CultureInfo.InvariantCulture) >> 76) & 0xF));
    }

    [Fact]
    public void Generator_with_a_root_makes_100000_distinct_valid_UIDs_under_it()
    {
        var generator = new DicomUidGenerator(Root);
        var uids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 100_000; i++)
        {
            var uid = generator.NewUid();
            Assert.True(uids.Add(uid), $"duplicate {uid}");
            Assert.True(uid.Length <= 64, uid);
            Assert.StartsWith(Root + ".", uid, StringComparison.Ordinal);
        }

        Assert.All(uids, uid => Assert.True(DicomUidGenerator.IsValid(uid), uid));
    }

    [Fact]
    public void Generators_started_in_the_same_millisecond_make_different_UIDs()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var first = new DicomUidGenerator(Root, clock);
        var second = new DicomUidGenerator(Root, clock);

        var a = Enumerable.Range(0, 1000).Select(_ => first.NewUid()).ToHashSet(StringComparer.Ordinal);
        var b = Enumerable.Range(0, 1000).Select(_ => second.NewUid()).ToHashSet(StringComparer.Ordinal);

        Assert.Empty(a.Intersect(b));
        Assert.StartsWith($"{Root}.{clock.GetUtcNow().ToUnixTimeMilliseconds()}", a.First(), StringComparison.Ordinal);
    }

    [Fact]
    public void Generator_is_safe_to_share_between_threads()
    {
        var generator = new DicomUidGenerator(Root);
        var batches = new string[4][];
        Parallel.For(0, batches.Length, i => batches[i] = Enumerable.Range(0, 25_000).Select(_ => generator.NewUid()).ToArray());

        var all = batches.SelectMany(b => b).ToList();
        Assert.Equal(100_000, all.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void A_32_character_root_fills_64_characters_then_starts_a_new_prefix()
    {
        var root = "1.2.826.0.1.3680043.10.123456789";
        Assert.Equal(DicomUidGenerator.MaxRootLength, root.Length);
        var generator = new DicomUidGenerator(root, new FixedClock(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)), lastSequence: 99_999_998);

        var last = generator.NewUid();
        var next = generator.NewUid();

        Assert.Equal(64, last.Length);
        Assert.EndsWith(".99999999", last, StringComparison.Ordinal);
        Assert.EndsWith(".1", next, StringComparison.Ordinal);
        Assert.NotEqual(last[..^9], next[..^2]); // a new random node
        Assert.True(DicomUidGenerator.IsValid(last) && DicomUidGenerator.IsValid(next));
    }

    [Fact]
    public void A_clock_at_the_epoch_still_gives_valid_UIDs()
    {
        var generator = new DicomUidGenerator(Root, new FixedClock(DateTimeOffset.UnixEpoch));

        Assert.True(DicomUidGenerator.IsValid(generator.NewUid()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1..2")]
    [InlineData("1.02")]
    [InlineData("1.2.")]
    [InlineData("abc")]
    [InlineData("1.2.826.0.1.3680043.10.1234567890")] // 33 characters
    public void Bad_or_too_long_roots_are_refused(string root)
    {
        var error = Assert.Throws<ArgumentException>(() => new DicomUidGenerator(root));
        Assert.Contains(root, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2.1")]
    [InlineData("0")]
    [InlineData("1.0.2")]
    [InlineData("2.25.329800735698586629295641978511506172918")]
    [InlineData("1.23456789012345678901234567890123456789012345678901234567890123")] // 64 characters
    public void Valid_UIDs(string uid)
    {
        Assert.True(DicomUidGenerator.IsValid(uid));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(".1")]
    [InlineData("1.")]
    [InlineData("1..2")]
    [InlineData("1.02")]
    [InlineData("01.2")]
    [InlineData("1.2a")]
    [InlineData("1.2 ")]
    [InlineData("1.2\0")]
    [InlineData("1,2")]
    [InlineData("1.234567890123456789012345678901234567890123456789012345678901234")] // 65 characters
    public void Invalid_UIDs(string? uid)
    {
        Assert.False(DicomUidGenerator.IsValid(uid));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
