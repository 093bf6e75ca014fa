namespace Pacs.Imaging.Tests.Rendering;

public class RenderingParametersTests
{
    [Fact]
    public void Window_viewport_quality_annotation_and_iccprofile_are_read()
    {
        var p = RenderingParameters.Parse("window=40,400,linear-exact&viewport=256,128,10,20,100,-50&quality=75&annotation=patient,technique&iccprofile=srgb&accept=image/png");

        Assert.Equal(new VoiWindow(40, 400, VoiLutFunction.LinearExact), p.Window);
        Assert.Equal(256, p.Viewport!.Width);
        Assert.Equal(128, p.Viewport.Height);
        Assert.Equal((10, 20, 100, -50), (p.Viewport.SourceX, p.Viewport.SourceY, p.Viewport.SourceWidth, p.Viewport.SourceHeight));
        Assert.Equal(75, p.EffectiveQuality);
        Assert.Equal(["patient", "technique"], p.Annotations);
        Assert.Equal("srgb", p.IccProfile);
    }

    [Fact]
    public void Percent_encoded_commas_sigmoid_and_default_linear_are_accepted()
    {
        Assert.Equal(new VoiWindow(-600, 1500, VoiLutFunction.Sigmoid), RenderingParameters.Parse("window=-600%2C1500%2Csigmoid").Window);
        Assert.Equal(new VoiWindow(50.5, 350), RenderingParameters.Parse("?window=50.5,350").Window);
        var viewport = RenderingParameters.Parse("viewport=64,64,,,32,").Viewport!;
        Assert.Equal((null, null, 32, null), (viewport.SourceX, viewport.SourceY, viewport.SourceWidth, viewport.SourceHeight));
    }

    [Fact]
    public void No_parameters_mean_full_size_with_the_data_sets_own_window()
    {
        var p = RenderingParameters.Parse(string.Empty);
        Assert.Null(p.Window);
        Assert.Null(p.Viewport);
        Assert.Equal(RenderingParameters.DefaultQuality, p.EffectiveQuality);
        Assert.Equal(RenderingParameters.DefaultThumbnailSize, p.AsThumbnail().Viewport!.Width);
    }

    [Theory]
    [InlineData("window=40", "window=40: expected center,width,function")]
    [InlineData("window=abc,400,linear", "the center 'abc' is not a number")]
    [InlineData("window=40,wide,linear", "the width 'wide' is not a number")]
    [InlineData("window=40,0,linear", "must be at least 1 for the linear function")]
    [InlineData("window=40,0.5", "must be at least 1 for the linear function")]
    [InlineData("window=40,0,sigmoid", "must be greater than 0")]
    [InlineData("window=40,400,cubic", "the function 'cubic' is not one of linear, linear-exact, sigmoid")]
    [InlineData("viewport=256", "expected vw,vh or vw,vh,sx,sy,sw,sh")]
    [InlineData("viewport=256,256,0,0", "expected vw,vh or vw,vh,sx,sy,sw,sh")]
    [InlineData("viewport=0,256", "the viewport width '0' is not a positive integer")]
    [InlineData("viewport=256,-1", "the viewport height '-1' is not a positive integer")]
    [InlineData("viewport=256,256,-5,0,10,10", "sx -5 must not be negative")]
    [InlineData("viewport=256,256,0,0,0,10", "sw must not be 0")]
    [InlineData("viewport=256,256,0,x,10,10", "sy 'x' is not an integer")]
    [InlineData("quality=0", "quality=0: expected an integer from 1 to 100")]
    [InlineData("quality=101", "expected an integer from 1 to 100")]
    [InlineData("quality=high", "expected an integer from 1 to 100")]
    [InlineData("annotation=patient,overlay", "'overlay' is not one of patient, technique")]
    [InlineData("iccprofile=cmyk", "expected one of no, yes, srgb, adobergb, rommrgb")]
    [InlineData("quality=50&quality=60", "quality: given more than once")]
    public void Bad_parameters_are_refused_with_an_error_naming_the_parameter_and_the_problem(string query, string expected)
    {
        Assert.False(RenderingParameters.TryParse(query, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Equal(error, Assert.Throws<FormatException>(() => RenderingParameters.Parse(query)).Message);
    }

    [Fact]
    public void Key_value_pairs_from_an_HTTP_layer_are_read_and_unknown_names_ignored()
    {
        KeyValuePair<string, string?>[] query = [new("accept", "image/jpeg"), new("quality", "33"), new("charset", "utf-8")];
        Assert.True(RenderingParameters.TryParse(query, out var p, out _));
        Assert.Equal(33, p.Quality);
    }
}
