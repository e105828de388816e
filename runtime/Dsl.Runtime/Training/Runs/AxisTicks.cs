using System.Globalization;

namespace Dsl.Training;

/// <summary>
/// Round tick values for a chart axis (steps of 1, 2 or 5 times a power of ten) and their labels
/// with just enough digits to tell neighbouring ticks apart.
/// </summary>
internal static class AxisTicks
{
    /// <summary>The tick spacing that puts about <paramref name="count"/> ticks across <paramref name="span"/>.</summary>
    public static double Spacing(double span, int count)
    {
        if (!(span > 0) || double.IsInfinity(span)) return 1;
        var raw = span / Math.Max(1, count);
        var power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var fraction = raw / power;
        var nice = fraction < 1.5 ? 1 : fraction < 3.5 ? 2 : fraction < 7.5 ? 5 : 10;
        return nice * power;
    }

    /// <summary>Multiples of <paramref name="spacing"/> from <paramref name="min"/> to <paramref name="max"/> inclusive.</summary>
    public static List<double> Values(double min, double max, double spacing)
    {
        var ticks = new List<double>();
        var first = Math.Ceiling(min / spacing - 1e-9);
        var last = Math.Floor(max / spacing + 1e-9);
        for (var k = first; k <= last && ticks.Count < 50; k++)
        {
            var value = k * spacing;
            ticks.Add(Math.Abs(value) < spacing * 1e-9 ? 0 : value); // never "-0"
        }
        return ticks;
    }

    /// <summary>A value axis label: "0.25", "1.5", "3", "1.2e-05", "2.5e+06" as the spacing needs.</summary>
    public static string FormatValue(double value, double spacing)
    {
        if (value == 0) return "0";
        var magnitude = Math.Max(Math.Abs(value), spacing);
        if (magnitude >= 1e6 || magnitude < 1e-4)
            return value.ToString("0.##e+00", CultureInfo.InvariantCulture);
        var decimals = Math.Clamp((int)-Math.Floor(Math.Log10(spacing) + 1e-9), 0, 6);
        return value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A step axis label: "800", "1500", "12k", "2.5M"; in full ("20001") when the ticks are
    /// too close for the short form to tell them apart.
    /// </summary>
    public static string FormatStep(double step, double spacing)
    {
        var abs = Math.Abs(step);
        if (abs >= 1e6 && spacing >= 1e4) return (step / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M";
        if (abs >= 1e4 && spacing >= 10) return (step / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "k";
        return step.ToString("0", CultureInfo.InvariantCulture);
    }
}
