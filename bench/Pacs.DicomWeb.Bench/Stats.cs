using System.Globalization;

namespace Pacs.DicomWeb.Bench;

internal static class Stats
{
    /// <summary>Nearest-rank percentile (p in 0..100) of a sorted list.</summary>
    public static double Percentile(List<double> sorted, double p)
    {
        if (sorted.Count == 0)
            return double.NaN;
        int rank = (int)Math.Ceiling(p / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    public static string F(double value, int decimals = 3) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
