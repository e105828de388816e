namespace Dsl;

/// <summary>
/// How the learning rate changes over training: an update rule uses its <c>LearningRate</c> times
/// <see cref="Factor"/> of the update's step number.
/// </summary>
/// <remarks>
/// Steps count from 1: <c>Factor(k)</c> is the factor for the k-th update. Each schedule matches a
/// <c>torch.optim.lr_scheduler</c> class run the usual way (<c>scheduler.step()</c> after
/// <c>optimizer.step()</c>), so the k-th update uses the rate torch has after k - 1 scheduler
/// steps: <c>Factor(k) = lr(after k - 1 scheduler.step() calls) / base lr</c>. <c>Factor(1)</c> is
/// always torch's factor at construction.
/// </remarks>
public abstract class LearningRateSchedule
{
    /// <summary>The learning-rate multiplier for the <paramref name="step"/>-th update (1-based).</summary>
    public abstract double Factor(long step);

    /// <summary>The rate an update rule with base rate <paramref name="learningRate"/> uses at <paramref name="step"/>.</summary>
    public double LearningRate(double learningRate, long step) => learningRate * Factor(step);

    private protected static void CheckStep(long step)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "Steps count from 1 (the first update is step 1).");
    }
}

/// <summary>The same rate throughout (factor 1), like training with no scheduler.</summary>
public sealed class ConstantSchedule : LearningRateSchedule
{
    /// <summary>A shared instance; the schedule has no state.</summary>
    public static ConstantSchedule Instance { get; } = new();

    /// <inheritdoc/>
    public override double Factor(long step)
    {
        CheckStep(step);
        return 1;
    }

    /// <inheritdoc/>
    public override string ToString() => "constant";
}

/// <summary>
/// Multiplies the rate by <see cref="Gamma"/> every <see cref="StepSize"/> updates, like
/// <c>torch.optim.lr_scheduler.StepLR(step_size, gamma)</c>: <c>Factor(k) = gamma^floor((k - 1) / stepSize)</c>.
/// </summary>
public sealed class StepSchedule : LearningRateSchedule
{
    /// <param name="stepSize">Updates between decays (at least 1).</param>
    /// <param name="gamma">The multiplier applied at each decay (finite, at least 0).</param>
    public StepSchedule(long stepSize, double gamma)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        if (!double.IsFinite(gamma) || gamma < 0) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be a finite number >= 0.");
        StepSize = stepSize;
        Gamma = gamma;
    }

    public long StepSize { get; }

    public double Gamma { get; }

    /// <inheritdoc/>
    public override double Factor(long step)
    {
        CheckStep(step);
        return Math.Pow(Gamma, (step - 1) / StepSize);
    }

    /// <inheritdoc/>
    public override string ToString() => $"step(every {StepSize}, gamma {Gamma})";
}

/// <summary>
/// Half a cosine from 1 down to <see cref="MinFactor"/> over <see cref="TotalSteps"/> updates, like
/// <c>torch.optim.lr_scheduler.CosineAnnealingLR(T_max = totalSteps, eta_min = minFactor · lr)</c>:
/// <c>Factor(k) = min + (1 - min) · (1 + cos(π (k - 1) / totalSteps)) / 2</c>. After
/// <c>totalSteps + 1</c> updates the factor stays at <see cref="MinFactor"/> (torch's scheduler would
/// climb back up along the cosine, which is rarely what a training run wants).
/// </summary>
public sealed class CosineSchedule : LearningRateSchedule
{
    /// <param name="totalSteps">Updates from the full rate to the minimum (at least 1).</param>
    /// <param name="minFactor">The final factor, as a fraction of the base rate (finite, at least 0).</param>
    public CosineSchedule(long totalSteps, double minFactor = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        if (!double.IsFinite(minFactor) || minFactor < 0) throw new ArgumentOutOfRangeException(nameof(minFactor), minFactor, "minFactor must be a finite number >= 0.");
        TotalSteps = totalSteps;
        MinFactor = minFactor;
    }

    public long TotalSteps { get; }

    public double MinFactor { get; }

    /// <inheritdoc/>
    public override double Factor(long step)
    {
        CheckStep(step);
        var elapsed = step - 1;
        if (elapsed >= TotalSteps) return MinFactor;
        return MinFactor + (1 - MinFactor) * (1 + Math.Cos(Math.PI * elapsed / TotalSteps)) / 2;
    }

    /// <inheritdoc/>
    public override string ToString() => $"cosine({TotalSteps} steps, min {MinFactor})";
}

/// <summary>
/// A straight line from 1 to <see cref="EndFactor"/> over <see cref="TotalSteps"/> updates, then
/// flat, like <c>torch.optim.lr_scheduler.LinearLR(start_factor = 1, end_factor, total_iters = totalSteps)</c>:
/// <c>Factor(k) = 1 + (end - 1) · min(k - 1, totalSteps) / totalSteps</c>.
/// </summary>
public sealed class LinearDecaySchedule : LearningRateSchedule
{
    /// <param name="totalSteps">Updates over which the factor falls (at least 1).</param>
    /// <param name="endFactor">The factor reached at update <c>totalSteps + 1</c> and kept after (finite, at least 0).</param>
    public LinearDecaySchedule(long totalSteps, double endFactor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        if (!double.IsFinite(endFactor) || endFactor < 0) throw new ArgumentOutOfRangeException(nameof(endFactor), endFactor, "endFactor must be a finite number >= 0.");
        TotalSteps = totalSteps;
        EndFactor = endFactor;
    }

    public long TotalSteps { get; }

    public double EndFactor { get; }

    /// <inheritdoc/>
    public override double Factor(long step)
    {
        CheckStep(step);
        var elapsed = Math.Min(step - 1, TotalSteps);
        return 1 + (EndFactor - 1) * elapsed / TotalSteps;
    }

    /// <inheritdoc/>
    public override string ToString() => $"linear({TotalSteps} steps to {EndFactor})";
}

/// <summary>
/// A linear warm-up over the first <see cref="WarmupSteps"/> updates (factor k / warmupSteps, from
/// 1/warmupSteps up to 1), then <see cref="Then"/> started afresh: <c>Factor(k) = Then.Factor(k - warmupSteps)</c>.
/// This is torch's <c>SequentialLR([LinearLR(start_factor = 1/w, end_factor = 1, total_iters = w - 1), then], milestones = [w])</c>.
/// </summary>
public sealed class WarmupSchedule : LearningRateSchedule
{
    /// <param name="warmupSteps">Updates of warm-up (0 for none).</param>
    /// <param name="then">The schedule after the warm-up; its step 1 is the first update after it.</param>
    public WarmupSchedule(long warmupSteps, LearningRateSchedule then)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentNullException.ThrowIfNull(then);
        WarmupSteps = warmupSteps;
        Then = then;
    }

    public long WarmupSteps { get; }

    public LearningRateSchedule Then { get; }

    /// <inheritdoc/>
    public override double Factor(long step)
    {
        CheckStep(step);
        return step <= WarmupSteps ? (double)step / WarmupSteps : Then.Factor(step - WarmupSteps);
    }

    /// <inheritdoc/>
    public override string ToString() => $"warmup({WarmupSteps} steps) then {Then}";
}
