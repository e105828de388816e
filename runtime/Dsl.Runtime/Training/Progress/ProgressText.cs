using System.Globalization;
using System.Text;

namespace Dsl.Training;

/// <summary>
/// The wording of progress lines, shared by the plain and the live display so both read the same.
/// Everything appends to a caller's <see cref="StringBuilder"/> with the invariant culture, which
/// formats numbers in place: writing a line allocates nothing.
/// </summary>
internal static class ProgressText
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>"step 1200/9380 (12.8%)", or "step 1200" when the total is unknown.</summary>
    public static void AppendStep(StringBuilder text, long step, long? totalSteps)
    {
        Number(text.Append("step "), step);
        if (totalSteps is { } total && total > 0)
        {
            Number(text.Append('/'), total);
            Number(text.Append(" ("), 100.0 * step / total, "F1").Append("%)");
        }
    }

    /// <summary>A whole number, invariant culture.</summary>
    public static StringBuilder AppendInteger(StringBuilder text, long value) => Number(text, value);

    /// <summary>"epoch 2/10".</summary>
    public static void AppendEpoch(StringBuilder text, int epoch, int epochs) =>
        Number(Number(text.Append("epoch "), epoch).Append('/'), epochs);

    /// <summary>A metric value with four significant digits: 0.3412, 2.303, 1.234E-05, NaN.</summary>
    public static void AppendValue(StringBuilder text, double value) => Number(text, value, "G4");

    /// <summary>"3200 ex/s" or "12.5 steps/s": whole numbers from 100 up, three digits below.</summary>
    public static void AppendRate(StringBuilder text, double perSecond, bool examples)
    {
        Number(text, perSecond, perSecond >= 100 ? "F0" : "G3");
        text.Append(examples ? " ex/s" : " steps/s");
    }

    /// <summary>"0.2s", "12.3s" under a minute, "4m12s" under an hour, "1h02m" beyond.</summary>
    public static void AppendDuration(StringBuilder text, TimeSpan duration)
    {
        if (duration < TimeSpan.Zero) duration = TimeSpan.Zero;
        var seconds = duration.TotalSeconds;
        if (seconds < 59.95)
        {
            Number(text, seconds, "F1").Append('s');
            return;
        }
        // Whole seconds from here on: round once, then split, so 119.7 s prints as "2m00s", never "1m60s".
        var whole = (long)Math.Round(seconds);
        if (whole < 3600) Number(Number(text, whole / 60).Append('m'), whole % 60, "D2").Append('s');
        else Number(Number(text, whole / 3600).Append('h'), whole / 60 % 60, "D2").Append('m');
    }

    /// <summary>
    /// Appends <paramref name="value"/> formatted in place with the invariant culture. A generic
    /// constrained call, unlike an interpolated string, never boxes the number, not even in
    /// code the JIT has not optimized yet, so the first steps of a run allocate nothing either.
    /// </summary>
    private static StringBuilder Number<T>(StringBuilder text, T value, string? format = null) where T : ISpanFormattable
    {
        Span<char> buffer = stackalloc char[64];
        if (value.TryFormat(buffer, out var written, format, Invariant)) return text.Append(buffer[..written]);
        return text.Append(value.ToString(format, Invariant));
    }
}
