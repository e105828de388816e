using Dsl;

/// <summary>
/// Geometric Brownian motion dX = μX dt + σX dW on [0, T] (μ = σ = 0.5, T = 1) on a grid of 32 steps,
/// x0 ~ U[0.5, 1.5], with the Wiener chaos features of each path's driving noise:
/// ξk = Σn mk(t_{n+½})·ΔWn over the cosine basis m1 = 1, mk(t) = √2·cos((k − 1)πt) (sampled at the
/// steps' midpoints, which makes the ξk exactly i.i.d. N(0, 1)), and the Wick-Hermite products
/// Ξα = Πk Heαk(ξk)/√(αk!) for every multi-index α with |α| ≤ N.
/// </summary>
public static class ChaosData
{
    public const double Mu = 0.5, Sigma = 0.5, Horizon = 1.0;
    public const int Steps = 32, Times = Steps + 1;   // the grid t_n = n/32, n = 0..32

    public static double Time(int n) => n * Horizon / Steps;

    /// <summary>Every α ∈ ℕ^k with |α| ≤ n: by total order, then descending lexicographically (so α = 0 first, then e1 … ek).</summary>
    public static int[][] MultiIndices(int k, int n)
    {
        var all = new List<int[]>();
        for (var order = 0; order <= n; order++)
        {
            var ofOrder = new List<int[]>();
            void Fill(int[] alpha, int position, int left)
            {
                if (position == k - 1) { alpha[position] = left; ofOrder.Add((int[])alpha.Clone()); return; }
                for (var a = left; a >= 0; a--) { alpha[position] = a; Fill(alpha, position + 1, left - a); }
            }
            Fill(new int[k], 0, order);
            all.AddRange(ofOrder);
        }
        return [.. all];
    }

    /// <summary>The probabilists' Hermite polynomial He_n(x), by He_{j+1} = x·He_j − j·He_{j−1}.</summary>
    public static double Hermite(int n, double x)
    {
        if (n == 0) return 1;
        double previous = 1, current = x;
        for (var j = 1; j < n; j++) (previous, current) = (current, x * current - j * previous);
        return current;
    }

    /// <summary>Ξα(ξ) = Πk Heαk(ξk)/√(αk!).</summary>
    public static double Wick(int[] alpha, ReadOnlySpan<double> xi)
    {
        var value = 1.0;
        for (var k = 0; k < alpha.Length; k++) value *= Hermite(alpha[k], xi[k]) / Math.Sqrt(Factorial(alpha[k]));
        return value;
    }

    /// <summary>Mk(t) = ∫0^t mk: t for k = 1, √2·sin((k − 1)πt)/((k − 1)π) after.</summary>
    public static double IntegratedMode(int k, double t) =>
        k == 1 ? t : Math.Sqrt(2) * Math.Sin((k - 1) * Math.PI * t) / ((k - 1) * Math.PI);

    /// <summary>
    /// GBM's chaos coefficient in closed form: xα(t) = x0·e^{μt}·Πk (σ·Mk(t))^{αk}/√(αk!), the
    /// expansion of the Wick exponential x0·e^{μt}·exp(σWt − σ²t/2) with Wt = Σk Mk(t)·ξk.
    /// </summary>
    public static double ClosedForm(int[] alpha, double t, double x0)
    {
        var value = x0 * Math.Exp(Mu * t);
        for (var k = 0; k < alpha.Length; k++) value *= Math.Pow(Sigma * IntegratedMode(k + 1, t), alpha[k]) / Math.Sqrt(Factorial(alpha[k]));
        return value;
    }

    /// <summary>The exact mean x0·e^{μt} and variance x0²·e^{2μt}·(e^{σ²t} − 1) of X(t).</summary>
    public static (double Mean, double Variance) Moments(double t, double x0) =>
        (x0 * Math.Exp(Mu * t), x0 * x0 * Math.Exp(2 * Mu * t) * (Math.Exp(Sigma * Sigma * t) - 1));

    /// <summary>The model's inputs for one path: (t, x0) rescaled to [−1, 1].</summary>
    public static (float T, float X0) Scaled(double t, double x0) => ((float)(2 * t / Horizon - 1), (float)(2 * x0 - 2));

    private static double Factorial(int n)
    {
        var value = 1.0;
        for (var j = 2; j <= n; j++) value *= j;
        return value;
    }

    /// <summary>
    /// <paramref name="paths"/> paths of the driving noise with their exact solutions and chaos features.
    /// Columns: inputs [paths, 33, 2] ((t, x0) rescaled), features [paths, |A|] (Ξα), target [paths, 33] (X(t_n)).
    /// </summary>
    public static ChaosSet Create(int paths, int k, int n, ulong seed)
    {
        var random = new Random((int)seed);
        var alphas = MultiIndices(k, n);
        var dt = Horizon / Steps;
        var x0 = new double[paths];
        var xi = new double[paths * k];
        var target = new double[paths * Times];
        var features = new double[paths * alphas.Length];
        var mode = new double[k * Steps];
        for (var j = 1; j <= k; j++)
            for (var s = 0; s < Steps; s++)
                mode[(j - 1) * Steps + s] = j == 1 ? 1 : Math.Sqrt(2) * Math.Cos((j - 1) * Math.PI * (s + 0.5) * dt);
        var dw = new double[Steps];
        for (var p = 0; p < paths; p++)
        {
            for (var s = 0; s < Steps; s++) dw[s] = Math.Sqrt(dt) * Normal(random);
            x0[p] = 0.5 + random.NextDouble();
            double w = 0;
            for (var s = 0; s <= Steps; s++)
            {
                target[p * Times + s] = x0[p] * Math.Exp((Mu - Sigma * Sigma / 2) * Time(s) + Sigma * w);
                if (s < Steps) w += dw[s];
            }
            for (var j = 0; j < k; j++)
            {
                double sum = 0;
                for (var s = 0; s < Steps; s++) sum += mode[j * Steps + s] * dw[s];
                xi[p * k + j] = sum;
            }
            for (var a = 0; a < alphas.Length; a++) features[p * alphas.Length + a] = Wick(alphas[a], xi.AsSpan(p * k, k));
        }
        return new ChaosSet(k, n, alphas, x0, xi, target, features);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

/// <summary>One set of paths: the data set the experiments train on and the numbers behind it, in double.</summary>
public sealed class ChaosSet : IDisposable
{
    public ChaosSet(int k, int n, int[][] alphas, double[] x0, double[] xi, double[] target, double[] features)
    {
        (K, N, Alphas, X0, Xi, Target, Features) = (k, n, alphas, x0, xi, target, features);
        var paths = x0.Length;
        var inputs = new float[paths * ChaosData.Times * 2];
        for (var p = 0; p < paths; p++)
            for (var s = 0; s < ChaosData.Times; s++)
                (inputs[(p * ChaosData.Times + s) * 2], inputs[(p * ChaosData.Times + s) * 2 + 1]) = ChaosData.Scaled(ChaosData.Time(s), x0[p]);
        using var i = Tensor.FromArray(inputs, paths, ChaosData.Times, 2);
        using var f = Tensor.FromArray(Array.ConvertAll(features, v => (float)v), paths, alphas.Length);
        using var y = Tensor.FromArray(Array.ConvertAll(target, v => (float)v), paths, ChaosData.Times);
        Data = new TensorDataset(("inputs", i), ("features", f), ("target", y));
    }

    public int K { get; }
    public int N { get; }
    public int[][] Alphas { get; }
    public int Count => Alphas.Length;
    public int Paths => X0.Length;
    public double[] X0 { get; }
    /// <summary>ξ, [paths, K].</summary>
    public double[] Xi { get; }
    /// <summary>X(t_n), [paths, 33].</summary>
    public double[] Target { get; }
    /// <summary>Ξα, [paths, |A|].</summary>
    public double[] Features { get; }
    public TensorDataset Data { get; }

    /// <summary>
    /// The error floor: the mean over paths of ‖X̂ − X‖/‖X‖ over the 33 grid times, where X̂ is the
    /// expansion truncated to these |A| features with the closed-form coefficients.
    /// </summary>
    public double ClosedFormError()
    {
        // xα(t) is x0 times a function of t: tabulate it at x0 = 1 once.
        var coefficients = new double[Count * ChaosData.Times];
        for (var a = 0; a < Count; a++)
            for (var s = 0; s < ChaosData.Times; s++) coefficients[a * ChaosData.Times + s] = ChaosData.ClosedForm(Alphas[a], ChaosData.Time(s), 1);
        double total = 0;
        for (var p = 0; p < Paths; p++)
        {
            double error = 0, norm = 0;
            for (var s = 0; s < ChaosData.Times; s++)
            {
                double prediction = 0;
                for (var a = 0; a < Count; a++) prediction += X0[p] * coefficients[a * ChaosData.Times + s] * Features[p * Count + a];
                var exact = Target[p * ChaosData.Times + s];
                error += (prediction - exact) * (prediction - exact);
                norm += exact * exact;
            }
            total += Math.Sqrt(error / norm);
        }
        return total / Paths;
    }

    public void Dispose() => Data.Dispose();
}
