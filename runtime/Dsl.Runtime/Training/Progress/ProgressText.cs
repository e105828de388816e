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
        text.Append(Invariant, $"step {step}");
        if (totalSteps is { } total && total > 0)
            text.Append(Invariant, $"/{total} ({100.0 * step / total:F1}%)");
    }

    /// <summary>"epoch 2/10".</summary>
    public static void AppendEpoch(StringBuilder text, int epoch, int epochs) =>
        text.Append(Invariant, $"epoch {epoch}/{epochs}");

    /// <summary>A metric value with four significant digits: 0.3412, 2.303, 1.234E-05, NaN.</summary>
    public static void AppendValue(StringBuilder text, double value) => text.Append(Invariant, $"{value:G4}");

    /// <summary>"3200 ex/s" or "12.5 steps/s": whole numbers from 100 up, three digits below.</summary>
    public static void AppendRate(StringBuilder text, double perSecond, bool examples)
    {
        if (perSecond >= 100) text.Append(Invariant, $"{perSecond:F0}");
        else text.Append(Invariant, $"{perSecond:G3}");
        text.Append(examples ? " ex/s" : " steps/s");
    }

    /// <summary>"0.2s", "12.3s" under a minute, "4m12s" under an hour, "1h02m" beyond.</summary>
    public static void AppendDuration(StringBuilder text, TimeSpan duration)
    {
        if (duration < TimeSpan.Zero) duration = TimeSpan.Zero;
        var seconds = duration.TotalSeconds;
        if (seconds < 59.95)
        {
            text.Append(Invariant, $"{seconds:F1}s");
            return;
        }
        // Whole seconds from here on: round once, then split, so 119.7 s prints as "2m00s", never "1m60s".
        var whole = (long)Math.Round(seconds);
        if (whole < 3600) text.Append(Invariant, $"{whole / 60}m{whole % 60:D2}s");
        else text.Append(Invariant, $"{whole / 3600}h{whole / 60 % 60:D2}m");
    }
}
