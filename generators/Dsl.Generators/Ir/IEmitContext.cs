using Dsl.Generators.Parsing;

namespace Dsl.Generators.Ir;

/// <summary>
/// What an op's emission rule (<see cref="Op.Emit"/>) may say: which runtime call computes a node,
/// with operands given as node ids (inputs), the node itself (its buffer) or an auxiliary buffer's
/// suffix. The Emit stage implements it and writes the C# (names, escaping, the runtime API's
/// spelling), so ops carry no C# text. A structured op (a run-time loop or condition, see
/// docs/ARCHITECTURE-generator.md) would add a call that emits a nested region here.
/// </summary>
internal interface IEmitContext
{
    Node Node(int id);

    bool IsNumber(int id);

    /// <summary>
    /// Whether the code being written is a training step (ComputeGradients, TrainStep, a [Step]) rather
    /// than an evaluation (EvaluateLoss, Predict): BatchNorm uses and updates batch statistics in the
    /// first, the running statistics in the second.
    /// </summary>
    bool Training { get; }

    /// <summary>
    /// <c>Kernels.{kernel}(arguments...)</c> with the arguments as given (values, the node's buffers,
    /// settings). The kernel and its parameter types must be listed in Emit/RuntimeApi.cs's Contract.
    /// </summary>
    void Call(string kernel, params EmitArg[] arguments);

    /// <summary><c>Kernels.{kernel}(operands..., output)</c>: the given inputs (every input, in order, when none are given), then the node's buffer.</summary>
    void Kernel(string kernel, Node node, params int[] operands);

    /// <summary><c>Kernels.{kernel}(a, b, output)</c> for tensor ∘ tensor or tensor ∘ number (a number first is swapped when commutative).</summary>
    void Binary(string kernel, Node node, bool commutative);

    void MatMul(Node node, bool transposeA, bool transposeB);

    /// <summary>Fills the node's buffer with a constant.</summary>
    void Fill(Node node, double value);

    /// <summary>The scalar input 0 spread evenly over the node's buffer (g / numel).</summary>
    void MeanBackward(Node node);

    /// <summary>Mean squared error of inputs 0 (prediction) and 1 (target).</summary>
    void MseLoss(Node node);

    /// <summary>Its gradient: inputs 0 (upstream), 1 (prediction), 2 (target).</summary>
    void MseLossBackward(Node node);

    /// <summary>Mean cross-entropy of logits (input 0) and labels (input 1), keeping the log-probabilities and total weight in auxiliary buffers.</summary>
    void CrossEntropy(Node node, string logProbs, string totalWeight);

    /// <summary>d cross-entropy / d logits: upstream (input 0), labels (input 2), the forward node's auxiliary buffers, one scratch buffer of this node.</summary>
    void CrossEntropyBackward(Node node, Node forward, string logProbs, string totalWeight, string logProbsGradient);

    /// <summary>The derivative of <see cref="CrossEntropyBackward"/> for its logits.</summary>
    void CrossEntropySecond(Node node, Node forward, string logProbs, string totalWeight, string softmax, string weighted);

    /// <summary>A user's C# method called eagerly with the node's inputs, its result copied into the node's buffer.</summary>
    void CallUserFunction(string method, Node node);

    /// <summary><c>parameter ∘= value</c> in place (a [Step]'s <c>Net.W += v</c>).</summary>
    void AssignParameter(string path, AssignOperator op, int value);

    /// <summary>An update rule's fused update of one parameter, with the state it keeps for it.</summary>
    void ApplyRule(string rule, string stateField, string path, int gradient);

    /// <summary>A structured op (a run-time loop or its reversed loop): Emit writes the loop and its body's nodes.</summary>
    void Structured(Node node);

    // ---- conditions ----

    /// <summary>Input 0 a condition, inputs 1 and 2 the values: the chosen one copied (a number: filled) into the node's buffer.</summary>
    void Choose(Node node);

    /// <summary>Opens <c>if (condition)</c> (<c>if (!condition)</c> when not <paramref name="whenTrue"/>) around what is emitted until disposed.</summary>
    System.IDisposable Guard(int condition, bool whenTrue);
}

/// <summary>
/// How an elementwise op writes one element of its result (<see cref="Op.Element"/>): operands are
/// the inputs' elements, combined with arithmetic and named elementwise functions. Emit implements a
/// scalar (<c>double</c> or <c>float</c>) and a vector (<c>Vector&lt;double&gt;</c> or <c>Vector&lt;float&gt;</c>) form; a function without a vector
/// form makes the vector loop unavailable, never wrong code.
/// </summary>
internal interface IElementSyntax
{
    string Operand(int index);

    /// <summary>a ∘ b for <c>+ - * /</c>.</summary>
    string Binary(string left, char op, string right);

    string Negate(string x);

    /// <summary>An elementwise function by name: Relu, Tanh, Sigmoid, Exp, Log, Sqrt, Abs, Sign, Sin, Cos.</summary>
    string Function(string function, string x);

    /// <summary>An elementwise function of two operands by name: Maximum, Minimum, Pow.</summary>
    string Function(string function, string x, string y);

    /// <summary><c>condition ? whenTrue : whenFalse</c> with a run-time condition that is the same for every element.</summary>
    string Conditional(string condition, string whenTrue, string whenFalse);
}
