namespace Pacs.Imaging.Tests.Png;

public class PngFiltersTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(31, 1)]
    [InlineData(97, 1)]
    [InlineData(100, 2)]
    [InlineData(99, 3)]
    [InlineData(300, 6)]
    public void Vectorised_filters_and_cost_equal_the_PNG_spec_definitions(int length, int bpp)
    {
        var random = new Random(length * 31 + bpp);
        var row = new byte[length];
        var previous = new byte[length];
        random.NextBytes(row);
        random.NextBytes(previous);
        var actual = new byte[length];

        for (var type = 0; type < 5; type++)
        {
            PngFilters.Apply(type, row, previous, bpp, actual);
            var expected = new byte[length];
            for (var i = 0; i < length; i++)
            {
                int a = i >= bpp ? row[i - bpp] : 0, b = previous[i], c = i >= bpp ? previous[i - bpp] : 0;
                var predictor = type switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2, _ => PngEncoder.Paeth((byte)a, (byte)b, (byte)c) };
                expected[i] = (byte)(row[i] - predictor);
            }

            Assert.Equal(expected, actual);
            Assert.Equal(expected.Sum(x => (long)Math.Abs((int)(sbyte)x)), PngFilters.Cost(actual));
        }
    }
}
