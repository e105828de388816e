using System.Globalization;
using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests.Optimizers;

/// <summary>
/// Each schedule against torch.optim.lr_scheduler, driven the usual way: read the rate, then
/// optimizer.step(), then scheduler.step(). So the rate recorded at the k-th update is the rate
/// after k - 1 scheduler steps, and Factor(k) must equal it divided by the base rate.
/// </summary>
public sealed class LearningRateScheduleTests
{
    private const int Steps = 50;
    private const double BaseRate = 0.5; // a power of two: dividing torch's rates by it is exact

    /// <summary>The python that builds the scheduler (from <c>opt</c>) and records the rate of every update.</summary>
    private static string TorchRates(string makeScheduler, int steps = Steps) => $"""
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr={BaseRate})
        S = torch.optim.lr_scheduler
        scheduler = {makeScheduler}
        rates = []
        for _ in range({steps}):
            rates.append(opt.param_groups[0]['lr'] / {BaseRate})
            opt.step()
            if scheduler is not None:
                scheduler.step()
        result = torch.tensor(rates, dtype=torch.float64)
        """;

    private static readonly (string Schedule, string Torch)[] s_cases =
    [
        ("constant", "None"),
        ("step 7 0.5", "S.StepLR(opt, step_size=7, gamma=0.5)"),
        ("step 1 0.9", "S.StepLR(opt, step_size=1, gamma=0.9)"),
        ("cosine 50 0", "S.CosineAnnealingLR(opt, T_max=50, eta_min=0.0)"),
        ("cosine 49 0.1", $"S.CosineAnnealingLR(opt, T_max=49, eta_min=0.1 * {BaseRate})"),
        ("linear 30 0.05", "S.LinearLR(opt, start_factor=1.0, end_factor=0.05, total_iters=30)"),
        ("linear 49 0", "S.LinearLR(opt, start_factor=1.0, end_factor=0.0, total_iters=49)"),
        ("warmup 5 cosine 45 0", "S.SequentialLR(opt, [S.LinearLR(opt, start_factor=1/5, end_factor=1.0, total_iters=4), S.CosineAnnealingLR(opt, T_max=45, eta_min=0.0)], milestones=[5])"),
        ("warmup 10 step 8 0.3", "S.SequentialLR(opt, [S.LinearLR(opt, start_factor=1/10, end_factor=1.0, total_iters=9), S.StepLR(opt, step_size=8, gamma=0.3)], milestones=[10])"),
        ("warmup 3 linear 20 0.1", "S.SequentialLR(opt, [S.LinearLR(opt, start_factor=1/3, end_factor=1.0, total_iters=2), S.LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=20)], milestones=[3])"),
    ];

    private static LearningRateSchedule Make(string description)
    {
        var p = description.Split(' ');
        return p[0] switch
        {
            "constant" => new ConstantSchedule(),
            "step" => new StepSchedule(long.Parse(p[1], CultureInfo.InvariantCulture), double.Parse(p[2], CultureInfo.InvariantCulture)),
            "cosine" => new CosineSchedule(long.Parse(p[1], CultureInfo.InvariantCulture), double.Parse(p[2], CultureInfo.InvariantCulture)),
            "linear" => new LinearDecaySchedule(long.Parse(p[1], CultureInfo.InvariantCulture), double.Parse(p[2], CultureInfo.InvariantCulture)),
            "warmup" => new WarmupSchedule(long.Parse(p[1], CultureInfo.InvariantCulture), Make(string.Join(' ', p[2..]))),
            _ => throw new ArgumentException(description),
        };
    }

    [Fact]
    public void Factors_match_torch_lr_scheduler()
    {
        // One python process for all cases: starting torch is the slow part.
        var expected = TorchReference.Evaluate(s_cases.Select(c => (TorchRates(c.Torch), (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor>())).ToList());
        for (var i = 0; i < s_cases.Length; i++)
        {
            var subject = Make(s_cases[i].Schedule);
            var actual = Enumerable.Range(1, Steps).Select(k => subject.Factor(k)).ToArray();
            TensorAssert.Close(expected[i].Values, actual, rtol: 1e-12, atol: 1e-13, what: $"{s_cases[i].Schedule} ({subject})");
        }
    }

    [Fact]
    public void Cosine_stays_at_its_minimum_after_the_last_step_where_torch_would_climb_back()
    {
        var cosine = new CosineSchedule(totalSteps: 20, minFactor: 0.1);
        // Update 21 is the one after 20 scheduler steps: the minimum, as in torch.
        Assert.Equal(0.1, cosine.Factor(21), 15);
        Assert.Equal(0.1, cosine.Factor(22));
        Assert.Equal(0.1, cosine.Factor(1000));
    }

    [Fact]
    public void Definitions_by_hand()
    {
        Assert.Equal(0.25, new StepSchedule(10, 0.5).Factor(21));         // two decays after 20 updates
        Assert.Equal(0.5, new CosineSchedule(10).Factor(6), 15);          // halfway: cos(π/2) = 0
        Assert.Equal(0.55, new LinearDecaySchedule(10, 0.1).Factor(6), 15);
        var warmup = new WarmupSchedule(4, new StepSchedule(2, 0.1));
        Assert.Equal([0.25, 0.5, 0.75, 1, 1, 1, 0.1], Enumerable.Range(1, 7).Select(k => Math.Round(warmup.Factor(k), 12)));
        Assert.Equal(0.5, new WarmupSchedule(0, new StepSchedule(1, 0.5)).Factor(2));
        Assert.Equal(0.01, new StepSchedule(1, 0.1).LearningRate(0.1, 2), 15);
    }

    [Fact]
    public void Invalid_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantSchedule().Factor(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepSchedule(0, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepSchedule(3, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(10, -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearDecaySchedule(10, double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupSchedule(-1, new ConstantSchedule()));
        Assert.Throws<ArgumentNullException>(() => new WarmupSchedule(3, null!));
    }
}
