namespace Dsl;

/// <summary>The gradients of a model's trainable parameters, as <c>Grad(loss, model)</c> gives them in a custom step.</summary>
/// <remarks>Only the generator gives this a value (at compile time); there is no eager tape.</remarks>
public sealed class ModelGradients
{
    private ModelGradients()
    {
    }
}

// Markers of custom experiment steps ([Step]). Eagerly they cannot run (there is no tape); the
// generator expands them at compile time.
public static partial class Ops
{
    /// <summary>d loss / d θ for every trainable parameter θ of <paramref name="model"/> (sub-models included), in a [Step].</summary>
    /// <exception cref="NotSupportedException">Always, when called eagerly.</exception>
    public static ModelGradients Grad<TModel>(Tensor loss, TModel model) where TModel : class =>
        throw new NotSupportedException("Grad(loss, model) is expanded by the generator at compile time, inside a [Step]");

    /// <summary>
    /// The same model seen as constants: <c>Frozen(Critic).Forward(x)</c> uses the critic's current
    /// parameters but sends no gradient to them (every parameter read through <see cref="NoGrad"/>).
    /// Eagerly it is the model itself.
    /// </summary>
    public static TModel Frozen<TModel>(TModel model) where TModel : class => model;
}

/// <summary>What a [Step] may do with an update rule.</summary>
public static class UpdateRuleExtensions
{
    /// <summary>
    /// Applies the rule to every parameter of <paramref name="model"/> that has a gradient in
    /// <paramref name="gradients"/> (in a [Step]; the generator expands it, keeping one state per parameter).
    /// </summary>
    /// <exception cref="NotSupportedException">Always, when called eagerly.</exception>
    public static void Apply<TModel>(this IUpdateRule rule, TModel model, ModelGradients gradients) where TModel : class =>
        throw new NotSupportedException("Apply(model, gradients) is expanded by the generator at compile time, inside a [Step]");
}
