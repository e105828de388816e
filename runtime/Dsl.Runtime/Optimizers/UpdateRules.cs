using static Dsl.Ops;

namespace Dsl;

// The optimizers Dsl ships, written in the DSL itself: each [Update] body is compiled by the
// generator into one fused loop over a parameter's elements (see the generated
// Dsl.<Rule>.g.cs). Each follows torch.optim's update of PyTorch 1.13 step for step, so the same
// gradients give the same parameters (tests/Dsl.Runtime.Tests/Optimizers/OptimizerParityTests.cs).
// The [State] fields only declare the per-parameter state (zeros of the parameter's shape); the
// state itself lives in the Dsl.UpdateRuleState each parameter gets.
#pragma warning disable CS0169, CS0649, IDE0044, IDE0051 // state fields and [Update] methods are read by the generator

/// <summary>Stochastic gradient descent with optional L2 weight decay (torch.optim.SGD without momentum).</summary>
[UpdateRule]
public sealed partial class Sgd
{
    public double LearningRate = 0.01, WeightDecay = 0;

    [Update]
    void Update(Tensor param, Tensor grad, long step)
    {
        var g = grad + WeightDecay * param;
        param -= LearningRate * g;
    }
}

/// <summary>SGD with heavy-ball momentum (torch.optim.SGD with momentum, dampening 0).</summary>
[UpdateRule]
public sealed partial class Momentum
{
    public double LearningRate = 0.01, Beta = 0.9, WeightDecay = 0;
    [State] Tensor buffer = null!;

    [Update]
    void Update(Tensor param, Tensor grad, long step)
    {
        var g = grad + WeightDecay * param;
        buffer = Beta * buffer + g;
        param -= LearningRate * buffer;
    }
}

/// <summary>SGD with Nesterov momentum (torch.optim.SGD with nesterov=True, dampening 0).</summary>
[UpdateRule]
public sealed partial class Nesterov
{
    public double LearningRate = 0.01, Beta = 0.9, WeightDecay = 0;
    [State] Tensor buffer = null!;

    [Update]
    void Update(Tensor param, Tensor grad, long step)
    {
        var g = grad + WeightDecay * param;
        buffer = Beta * buffer + g;
        param -= LearningRate * (g + Beta * buffer);
    }
}

/// <summary>Adam (Kingma and Ba, 2015) with optional L2 weight decay added to the gradient (torch.optim.Adam).</summary>
[UpdateRule]
public sealed partial class Adam
{
    public double LearningRate = 1e-3, Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8, WeightDecay = 0;
    [State] Tensor m = null!, v = null!;

    [Update]
    void Update(Tensor param, Tensor grad, long step)
    {
        var g = grad + WeightDecay * param;
        m = Beta1 * m + (1 - Beta1) * g;
        v = Beta2 * v + (1 - Beta2) * Square(g);
        var stepSize = LearningRate / (1 - Pow(Beta1, step));
        var denominator = Sqrt(v) / Sqrt(1 - Pow(Beta2, step)) + Epsilon;
        param -= stepSize * (m / denominator);
    }
}

/// <summary>AdamW: Adam with decoupled weight decay (Loshchilov and Hutter, 2019; torch.optim.AdamW).</summary>
[UpdateRule]
public sealed partial class AdamW
{
    public double LearningRate = 1e-3, Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8, WeightDecay = 1e-2;
    [State] Tensor m = null!, v = null!;

    [Update]
    void Update(Tensor param, Tensor grad, long step)
    {
        param *= 1 - LearningRate * WeightDecay;
        m = Beta1 * m + (1 - Beta1) * grad;
        v = Beta2 * v + (1 - Beta2) * Square(grad);
        var stepSize = LearningRate / (1 - Pow(Beta1, step));
        var denominator = Sqrt(v) / Sqrt(1 - Pow(Beta2, step)) + Epsilon;
        param -= stepSize * (m / denominator);
    }
}

/// <summary>RMSProp (Hinton's lecture 6e) with optional momentum and L2 weight decay (torch.optim.RMSprop, not centered).</summary>
[UpdateRule]
public sealed partial class RMSProp
{
    public double LearningRate = 1e-2, Alpha = 0.99, Epsilon = 1e-8, Momentum = 0, WeightDecay = 0;
    [State] Tensor squareAverage = null!, buffer = null!;

    [Update]
    void Update(Tensor param, Tensor grad, long step)
    {
        var g = grad + WeightDecay * param;
        squareAverage = Alpha * squareAverage + (1 - Alpha) * Square(g);
        var average = Sqrt(squareAverage) + Epsilon;
        buffer = Momentum * buffer + g / average;
        param -= LearningRate * buffer;
    }
}

/// <summary>Adagrad (Duchi et al., 2011) with learning-rate decay and L2 weight decay (torch.optim.Adagrad).</summary>
[UpdateRule]
public sealed partial class Adagrad
{
    public double LearningRate = 1e-2, LearningRateDecay = 0, Epsilon = 1e-10, WeightDecay = 0;
    [State] Tensor sum = null!;

    [Update]
    void Update(Tensor param, Tensor grad, long step)
    {
        var g = grad + WeightDecay * param;
        var stepSize = LearningRate / (1 + (step - 1) * LearningRateDecay);
        sum = sum + Square(g);
        param -= stepSize * (g / (Sqrt(sum) + Epsilon));
    }
}

/// <summary>
/// Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms"): the sign of an
/// interpolation of momentum and gradient, with decoupled weight decay. Use a learning rate 3-10x
/// smaller than AdamW's.
/// </summary>
[UpdateRule]
public sealed partial class Lion
{
    public double LearningRate = 1e-4, Beta1 = 0.9, Beta2 = 0.99, WeightDecay = 0;
    [State] Tensor m = null!;

    [Update]
    void Update(Tensor param, Tensor grad, long step)
    {
        var c = Beta1 * m + (1 - Beta1) * grad;
        param -= LearningRate * (Sign(c) + WeightDecay * param);
        m = Beta2 * m + (1 - Beta2) * grad;
    }
}

// ---- rule state: Schedule-Free and EMA of the weights ----

/// <summary>
/// Schedule-Free SGD (Defazio et al., 2024, "The Road Less Scheduled"): gradients are taken at
/// y = (1 - β) z + β x, where z is the SGD sequence and x the average of the z's weighted by the squared
/// learning rates (c = γ²_t / Σ γ²_i), with a linear warm-up of the learning rate over
/// <c>WarmupSteps</c> and weight decay at y. The parameters hold y while training; evaluate at x (the
/// <c>EvaluateAt</c> state: Fit's validation and <c>Evaluate</c> do, <c>UsingEvaluationState()</c> elsewhere).
/// No schedule is needed: keep the learning rate constant.
/// </summary>
[UpdateRule]
public sealed partial class ScheduleFreeSgd
{
    public double LearningRate = 1.0, Beta = 0.9, WeightDecay = 0, WarmupSteps = 0;
    [State(Init = StateInit.Parameter)] Tensor z = null!;
    [State(Init = StateInit.Parameter, EvaluateAt = true)] Tensor x = null!;
    [State] double weightSum;

    [Update]
    void Update(Tensor param, Tensor grad, long step)
    {
        var lr = LearningRate * Minimum(1, step / WarmupSteps);
        weightSum += lr * lr;
        var c = weightSum > 0 ? lr * lr / weightSum : 0;   // a schedule that starts at 0 (warm-up from 0) has no weight yet: x stays
        z = z - lr * (grad + WeightDecay * param);
        x = (1 - c) * x + c * z;
        param = (1 - Beta) * z + Beta * x;
    }
}

/// <summary>
/// Schedule-Free AdamW (Defazio et al., 2024, Algorithm 1): γ_t = γ·√(1 - β₂ᵗ)·min(1, t / warm-up);
/// z ← z - γ_t g / (√v + ε) - γ_t λ y; x ← (1 - c) x + c z with c = γ²_t / Σ γ²_i; the parameters hold
/// y = (1 - β₁) z + β₁ x, where the next gradient is taken. Evaluate at x (the <c>EvaluateAt</c> state).
/// </summary>
[UpdateRule]
public sealed partial class ScheduleFreeAdamW
{
    public double LearningRate = 0.0025, Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8, WeightDecay = 0, WarmupSteps = 0;
    [State(Init = StateInit.Parameter)] Tensor z = null!;
    [State(Init = StateInit.Parameter, EvaluateAt = true)] Tensor x = null!;
    [State] Tensor v = null!;
    [State] double weightSum;

    [Update]
    void Update(Tensor param, Tensor grad, long step)
    {
        var lr = LearningRate * Sqrt(1 - Pow(Beta2, step)) * Minimum(1, step / WarmupSteps);
        weightSum += lr * lr;
        var c = weightSum > 0 ? lr * lr / weightSum : 0;   // a schedule that starts at 0 (warm-up from 0) has no weight yet: x stays
        v = Beta2 * v + (1 - Beta2) * Square(grad);
        z = z - lr * grad / (Sqrt(v) + Epsilon) - lr * WeightDecay * param;
        x = (1 - c) * x + c * z;
        param = (1 - Beta1) * z + Beta1 * x;
    }
}

/// <summary>
/// AdamW (as <see cref="AdamW"/>) keeping an exponential moving average of the weights,
/// average ← Decay · average + (1 - Decay) · param after each update, starting at the initial weights.
/// The model is evaluated at the average (the <c>EvaluateAt</c> state).
/// </summary>
[UpdateRule]
public sealed partial class AdamWEma
{
    public double LearningRate = 1e-3, Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8, WeightDecay = 1e-2, Decay = 0.999;
    [State] Tensor m = null!, v = null!;
    [State(Init = StateInit.Parameter, EvaluateAt = true)] Tensor average = null!;

    [Update]
    void Update(Tensor param, Tensor grad, long step)
    {
        param *= 1 - LearningRate * WeightDecay;
        m = Beta1 * m + (1 - Beta1) * grad;
        v = Beta2 * v + (1 - Beta2) * Square(grad);
        var stepSize = LearningRate / (1 - Pow(Beta1, step));
        var denominator = Sqrt(v) / Sqrt(1 - Pow(Beta2, step)) + Epsilon;
        param -= stepSize * (m / denominator);
        average = Decay * average + (1 - Decay) * param;
    }
}
