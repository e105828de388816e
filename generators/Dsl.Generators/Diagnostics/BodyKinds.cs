namespace Dsl.Generators.Diagnostics;

/// <summary>The kinds of body the generator compiles; each allows a different set of constructs.</summary>
internal enum BodyKind
{
    /// <summary>Not known where the diagnostic is made: the general list.</summary>
    Any,
    Forward,
    Loss,
    Step,
    Update,
    Differentiable,
}

/// <summary>What each kind of body may contain, as DSL0003 lists it (docs/DSL.md, "Bodies").</summary>
internal static class BodyKinds
{
    public static string Allowed(BodyKind kind) => kind switch
    {
        BodyKind.Forward => "a Forward body may use numbers, 'var' locals, parameters, fields, the operators + - * /, calls of Dsl.Ops functions, of a sub-model's Forward and of [Differentiable] functions, 'for' loops (constant bounds unroll; a bound known when the step runs, such as x.Size(1), makes a real loop), 'if'/'else' and 'c ? a : b' on number conditions (== != < <= > >= && || !), and 'return'",
        BodyKind.Loss => "a [Loss] body may use numbers, 'var' locals, parameters, fields, the operators + - * /, calls of Dsl.Ops functions (Grad and NoGrad among them), of a model's Forward and of [Differentiable] functions, 'for' loops (constant bounds unroll; a bound known when the step runs, such as x.Size(1), makes a real loop), 'if'/'else' and 'c ? a : b' on number conditions (== != < <= > >= && || !), and 'return'",
        BodyKind.Step => "a [Step] body may use numbers, 'var' locals, parameters, fields, the operators + - * /, calls of Dsl.Ops functions, of a model's Forward and of [Differentiable] functions, Grad(loss, Model), an update rule's Apply(Model, gradients), assignments to fields, 'for' loops (constant bounds unroll; a bound known when the step runs, such as x.Size(1), makes a real loop), 'if'/'else' and 'c ? a : b' on number conditions (== != < <= > >= && || !), and 'return'",
        BodyKind.Update => "an [Update] body may use numbers, 'var' locals, its parameters, the rule's number fields, the operators + - * /, the elementwise Dsl.Ops functions (Sqrt, Square, Exp, Log, Abs, Sign, Tanh, Sigmoid, Relu, Maximum, Minimum, Clamp, Pow, Sin, Cos), 'if'/'else' and 'c ? a : b' on number conditions (== != < <= > >= && || !), and assignments to 'param' and to [State] fields",
        BodyKind.Differentiable => "a [Differentiable] function may use numbers, 'var' locals, its parameters, the operators + - * /, calls of Dsl.Ops functions and of other [Differentiable] functions, 'for' loops with constant bounds, 'if'/'else' and 'c ? a : b' on number conditions (== != < <= > >= && || !), and 'return'",
        _ => "a body may use numbers, 'var' locals, parameters, fields, the operators + - * /, calls of Dsl.Ops functions, calls of a sub-model's Forward, 'if'/'else' and 'c ? a : b' on number conditions (== != < <= > >= && || !), and 'return'",
    };
}
