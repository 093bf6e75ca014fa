namespace Pacs.Imaging.Tests.Rendering;

public class VoiWindowTests
{
    // PS3.3 C.11.2.1.2.1 LINEAR with c = 40, w = 400: x ≤ c − 0.5 − (w−1)/2 = −160 → ymin; x > c − 0.5 + (w−1)/2 = 239 → ymax.
    [Theory]
    [InlineData(-1000, 0.0)]
    [InlineData(-160, 0.0)]
    [InlineData(239, 1.0)]
    [InlineData(240, 1.0)]
    [InlineData(39.5, 0.5)]
    public void Linear_window_reaches_its_ends_exactly_at_the_C_11_2_1_2_edges(double x, double expected)
    {
        Assert.Equal(expected, new VoiWindow(40, 400).Map(x), 12);
    }

    [Fact]
    public void Linear_window_just_inside_the_edges_is_just_off_black_and_white()
    {
        var window = new VoiWindow(40, 400);
        Assert.Equal(0.5 / 399, window.Map(-159.5), 12);
        Assert.Equal(1, window.Map8(-159)); // (−159 − 39.5) / 399 + 0.5 = 0.0025 → 0.64 → 1
        Assert.Equal(254, window.Map8(238)); // 0.9975 → 254.4 → 254
        Assert.Equal(128, window.Map8(40));
    }

    [Fact]
    public void Linear_window_of_width_1_is_a_threshold_at_center_minus_half()
    {
        var window = new VoiWindow(100, 1);
        Assert.Equal(0, window.Map(99.5));
        Assert.Equal(1, window.Map(99.51));
        Assert.Equal(1, window.Map(100));
    }

    // C.11.2.1.3.2 LINEAR_EXACT: x ≤ c − w/2 → ymin, x > c + w/2 → ymax, else (x − c)/w + 0.5.
    [Theory]
    [InlineData(-50, 0.0)]
    [InlineData(-49, 0.01)]
    [InlineData(0, 0.5)]
    [InlineData(50, 1.0)]
    [InlineData(51, 1.0)]
    public void Linear_exact_window_maps_center_minus_and_plus_half_width_to_the_ends(double x, double expected)
    {
        Assert.Equal(expected, new VoiWindow(0, 100, VoiLutFunction.LinearExact).Map(x), 12);
    }

    // C.11.2.1.3.1 SIGMOID: y = 1 / (1 + exp(−4 (x − c) / w)).
    [Fact]
    public void Sigmoid_window_is_half_at_the_center_and_follows_the_logistic_curve()
    {
        var window = new VoiWindow(1000, 400, VoiLutFunction.Sigmoid);
        Assert.Equal(0.5, window.Map(1000), 12);
        Assert.Equal(1 / (1 + Math.Exp(-2)), window.Map(1200), 12);
        Assert.Equal(1 / (1 + Math.Exp(2)), window.Map(800), 12);
        Assert.True(window.Map(-1e6) < 1e-9 && window.Map(1e6) > 1 - 1e-9);
    }

    [Fact]
    public void Widths_the_standard_forbids_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new VoiWindow(0, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VoiWindow(0, 0, VoiLutFunction.LinearExact));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VoiWindow(0, -3, VoiLutFunction.Sigmoid));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VoiWindow(double.NaN, 10));
        _ = new VoiWindow(0, 0.5, VoiLutFunction.LinearExact);
    }

    [Fact]
    public void Window_from_a_range_maps_min_to_black_and_max_to_white()
    {
        var window = VoiWindow.FromRange(-1024, 3071);
        Assert.Equal(0, window.Map8(-1024));
        Assert.Equal(255, window.Map8(3071));
        Assert.Equal(128, window.Map8(1023.5));
    }
}
