namespace Pacs.Imaging;

/// <summary>The VOI LUT Function (0028,1056) that turns a window into a mapping (PS3.3 C.11.2.1.3).</summary>
public enum VoiLutFunction
{
    /// <summary>LINEAR, PS3.3 C.11.2.1.2.1: the classic window, width counted so that W = 1 is a threshold.</summary>
    Linear,

    /// <summary>LINEAR_EXACT, PS3.3 C.11.2.1.3.2: a straight line from C − W/2 to C + W/2.</summary>
    LinearExact,

    /// <summary>SIGMOID, PS3.3 C.11.2.1.3.1: a logistic curve centred on C.</summary>
    Sigmoid,
}

/// <summary>
/// A window (Window Center and Window Width with a VOI LUT Function) in modality units. <see cref="Map"/> gives
/// the output as a fraction 0..1 of the output range, so 8-bit output is <c>Map(x) * 255</c>.
/// </summary>
public readonly record struct VoiWindow
{
    public VoiWindow(double center, double width, VoiLutFunction function = VoiLutFunction.Linear)
    {
        if (!double.IsFinite(center))
        {
            throw new ArgumentOutOfRangeException(nameof(center), center, "The window center must be a finite number.");
        }

        // PS3.3 C.11.2.1.2.1: W ≥ 1 for LINEAR; C.11.2.1.3: W > 0 for LINEAR_EXACT and SIGMOID.
        var valid = function == VoiLutFunction.Linear ? width >= 1 : width > 0;
        if (!double.IsFinite(width) || !valid)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, function == VoiLutFunction.Linear
                ? "The window width must be at least 1 for the LINEAR function."
                : "The window width must be greater than 0.");
        }

        Center = center;
        Width = width;
        Function = function;
    }

    public double Center { get; }

    public double Width { get; }

    public VoiLutFunction Function { get; }

    /// <summary>True when this width is allowed for this function (see the constructor).</summary>
    public static bool IsValidWidth(double width, VoiLutFunction function) =>
        double.IsFinite(width) && (function == VoiLutFunction.Linear ? width >= 1 : width > 0);

    /// <summary>The output for input <paramref name="x"/> as a fraction of the output range, 0 (ymin) to 1 (ymax).</summary>
    public double Map(double x)
    {
        var c = Center;
        var w = Width;
        switch (Function)
        {
            case VoiLutFunction.LinearExact:
                // C.11.2.1.3.2: x ≤ c − w/2 → ymin; x > c + w/2 → ymax; else ((x − c) / w + 0.5).
                if (x <= c - (w / 2))
                {
                    return 0;
                }

                if (x > c + (w / 2))
                {
                    return 1;
                }

                return ((x - c) / w) + 0.5;

            case VoiLutFunction.Sigmoid:
                // C.11.2.1.3.1: y = (ymax − ymin) / (1 + exp(−4 (x − c) / w)) + ymin.
                return 1 / (1 + Math.Exp(-4 * (x - c) / w));

            default:
                // C.11.2.1.2.1: x ≤ c − 0.5 − (w − 1)/2 → ymin; x > c − 0.5 + (w − 1)/2 → ymax;
                // else ((x − (c − 0.5)) / (w − 1) + 0.5). With w = 1 the middle case is empty: a threshold.
                if (x <= c - 0.5 - ((w - 1) / 2))
                {
                    return 0;
                }

                if (x > c - 0.5 + ((w - 1) / 2))
                {
                    return 1;
                }

                return ((x - (c - 0.5)) / (w - 1)) + 0.5;
        }
    }

    /// <summary>The 8-bit output for <paramref name="x"/>: <see cref="Map"/> scaled to 0..255 and rounded.</summary>
    public byte Map8(double x) => (byte)Math.Clamp((int)Math.Round(Map(x) * 255, MidpointRounding.AwayFromZero), 0, 255);

    /// <summary>
    /// The window that spreads [<paramref name="min"/>, <paramref name="max"/>] over the whole output range: min maps to
    /// black and max to white (LINEAR_EXACT with C = (min + max) / 2, W = max − min). A flat image gets W = 1.
    /// </summary>
    public static VoiWindow FromRange(double min, double max)
    {
        var width = max - min;
        return width > 0
            ? new VoiWindow((min + max) / 2, width, VoiLutFunction.LinearExact)
            : new VoiWindow(min, 1, VoiLutFunction.LinearExact);
    }
}
