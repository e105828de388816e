namespace Dsl;

// The Ops functions a body may also apply to plain numbers (hyperparameter arithmetic such as
// bias corrections), so declarations compile and run eagerly as ordinary C#. The generator
// evaluates them inline with System.Math.
public static partial class Ops
{
    /// <summary>aᵇ for plain numbers.</summary>
    public static double Pow(double a, double b) => Math.Pow(a, b);

    /// <summary>√x for a plain number.</summary>
    public static double Sqrt(double x) => Math.Sqrt(x);

    /// <summary>x² for a plain number.</summary>
    public static double Square(double x) => x * x;

    /// <summary>eˣ for a plain number.</summary>
    public static double Exp(double x) => Math.Exp(x);

    /// <summary>ln x for a plain number.</summary>
    public static double Log(double x) => Math.Log(x);

    /// <summary>tanh x for a plain number.</summary>
    public static double Tanh(double x) => Math.Tanh(x);

    /// <summary>|x| for a plain number.</summary>
    public static double Abs(double x) => Math.Abs(x);

    /// <summary>-1, 0 or 1 for a plain number (0 for NaN).</summary>
    public static double Sign(double x) => x > 0 ? 1 : x < 0 ? -1 : 0;

    // ---- rule state: Minimum and Maximum of numbers (a warm-up factor Minimum(1, step / Warmup)) ----

    /// <summary>The larger of two plain numbers (NaN if either is NaN), as <see cref="Math.Max(double, double)"/>.</summary>
    public static double Maximum(double a, double b) => Math.Max(a, b);

    /// <summary>The smaller of two plain numbers (NaN if either is NaN), as <see cref="Math.Min(double, double)"/>.</summary>
    public static double Minimum(double a, double b) => Math.Min(a, b);
}
