namespace Pacs.Storage.Tests.Names;

public sealed class BlobNamesTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("instances/1.2.840.10008.5.1.4.1.1.2/v000001")]
    [InlineData("A-b_c.d/E")]
    [InlineData(".hidden/ok")]
    public void Valid_names_pass(string name)
    {
        Assert.True(BlobNames.IsValid(name, out string? reason), reason);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("/a", "starts with '/'")]
    [InlineData("a/", "ends with '/'")]
    [InlineData("a//b", "empty segment")]
    [InlineData("a/../b", "'..' segment")]
    [InlineData("..", "'..' segment")]
    [InlineData("./a", "'.' segment")]
    [InlineData("a\\b", "'\\'")]
    [InlineData("a+b", "'+'")]
    [InlineData("a~b", "'~'")]
    [InlineData("C:/x", "':'")]
    [InlineData("ä", "U+00E4")]
    [InlineData("a\0b", "U+0000")]
    public void Invalid_names_say_which_rule_they_break(string name, string because)
    {
        var e = Assert.Throws<ArgumentException>(() => BlobNames.Validate(name));

        Assert.Contains(because, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_longer_than_the_limit_are_refused()
    {
        Assert.True(BlobNames.IsValid(new string('a', BlobNames.MaxLength), out _));
        Assert.False(BlobNames.IsValid(new string('a', BlobNames.MaxLength + 1), out _));
    }

    [Fact]
    public void Versioned_names_are_zero_padded_so_they_sort_by_version_and_parse_back()
    {
        string v2 = BlobNames.Versioned("instances", "1.2.3", 2);
        string v10 = BlobNames.Versioned("instances/1.2.3", 10);

        Assert.Equal("instances/1.2.3/v000002", v2);
        Assert.True(string.CompareOrdinal(v2, v10) < 0);
        Assert.True(BlobNames.TryParseVersioned(v10, out string stem, out int version));
        Assert.Equal(("instances/1.2.3", 10), (stem, version));
        Assert.False(BlobNames.TryParseVersioned("instances/1.2.3/x000001", out _, out _));
        Assert.False(BlobNames.TryParseVersioned("instances/1.2.3/v", out _, out _));
        Assert.False(BlobNames.TryParseVersioned("v000001", out _, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => BlobNames.Versioned("s", 0));
    }

    [Fact]
    public void Unique_names_are_valid_distinct_and_ordered_by_time()
    {
        var early = new FixedClock(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        var late = new FixedClock(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_001));

        string a = BlobNames.Unique("studies/1.2", early);
        string b = BlobNames.Unique("studies/1.2", early);
        string c = BlobNames.Unique("studies/1.2", late);

        Assert.Matches("^studies/1\\.2/[0-9A-HJKMNP-TV-Z]{26}$", a);
        Assert.NotEqual(a, b);
        Assert.Equal(a[..(a.Length - 16)], b[..(b.Length - 16)]); // same millisecond, same time digits
        Assert.True(string.CompareOrdinal(a, c) < 0 && string.CompareOrdinal(b, c) < 0);
    }

    [Fact]
    public void Unique_names_made_in_the_same_millisecond_sort_in_the_order_they_were_made()
    {
        // Versions of one instance stored within one millisecond: the index rebuild takes name order as version order.
        var clock = new FixedClock(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123));
        var names = Enumerable.Range(0, 200).Select(_ => BlobNames.Unique("instances/1.2.3", clock)).ToList();

        Assert.Equal(names, names.Order(StringComparer.Ordinal));
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Prefixes_may_end_with_a_slash_but_use_the_name_characters()
    {
        BlobNames.ValidatePrefix("");
        BlobNames.ValidatePrefix("instances/1.2/");
        Assert.Throws<ArgumentException>(() => BlobNames.ValidatePrefix("a b"));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
