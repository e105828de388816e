using System.Collections.Generic;
using System.Linq;
using Dsl.Generators.Ir;
using Dsl.Generators.Parsing;

namespace Dsl.Generators.Emit;

/// <summary>
/// Emit's side of <see cref="IEmitContext"/>: turns an op's runtime calls (operands as node ids) into
/// C# lines through <see cref="RuntimeApi"/>, and renders values: a buffer field, an input, a
/// parameter, a state field or an inline number.
/// </summary>
/// <param name="buffers">The field of each node's buffer.</param>
/// <param name="hiding">Parameter names of the method being written (a member they hide is read through <c>this.</c>).</param>
/// <param name="learningRateFactor">The name of the method's learning-rate factor parameter (update rules applied in a step).</param>
/// <param name="step">The C# of the step count the update rules read.</param>
/// <param name="training">Whether a training step is written (see <see cref="IEmitContext.Training"/>); evaluations pass false.</param>
/// <param name="random">The C# of the generator random ops draw from (an experiment's field; <c>null</c>, libtorch's global generator, elsewhere).</param>
internal sealed class EmitContext(IReadOnlyList<Node> nodes, IReadOnlyDictionary<int, string> buffers, CodeWriter writer,
    IReadOnlyCollection<string>? hiding = null, string learningRateFactor = "learningRateFactor", string step = "__step", bool training = true,
    string random = "null") : IEmitContext
{
    public bool Training => training;

    private readonly IReadOnlyCollection<string> _hiding = hiding ?? [];

    /// <summary>The C# expression of a value.</summary>
    public string Ref(int id)
    {
        if (buffers.TryGetValue(id, out var field)) return field;
        var node = nodes[id];
        return node.Op switch
        {
            InputOp input => Identifiers.Escape(input.Parameter),
            ParameterOp parameter => Member(parameter.Path),
            StateOp state => Identifiers.Escape(state.Field),
            NumberOp number => Number(number),
            NumberArithmeticOp arithmetic => "(" + Ref(node.Inputs[0]) + " " + arithmetic.Symbol + " " + Ref(node.Inputs[1]) + ")",
            NumberNegateOp => "(-" + Ref(node.Inputs[0]) + ")",
            NumberFunctionOp function => RuntimeApi.MathFunction(function.Function, node.Inputs.Select(Ref).ToArray()),
            NoGradOp => Ref(node.Inputs[0]),
            Operations.SizeOfOp size => RuntimeApi.Size(Ref(node.Inputs[0]), size.Axis),
            NumberCompareOp compare => "(" + Ref(node.Inputs[0]) + " " + compare.Symbol + " " + Ref(node.Inputs[1]) + ")",
            LogicalOp logical => "(" + Ref(node.Inputs[0]) + " " + logical.Symbol + " " + Ref(node.Inputs[1]) + ")",
            NotOp => "(!" + Ref(node.Inputs[0]) + ")",
            ConditionConstantOp constant => constant.Value ? "true" : "false",
            NumberChooseOp => "(" + Ref(node.Inputs[0]) + " ? " + Ref(node.Inputs[1]) + " : " + Ref(node.Inputs[2]) + ")",
            _ => throw new System.InvalidOperationException("no buffer for " + node.Name),
        };
    }

    /// <summary>A member of the generated class (or of one of its members), <c>this.</c>-qualified when a parameter hides it.</summary>
    public string Member(string path) => Identifiers.Member(path, _hiding);

    private string Number(NumberOp number) => number.Source switch
    {
        NumberSource.Constant => CSharp.Literal(number.Value),
        NumberSource.Member => Member(number.Path),
        NumberSource.StaticMember => Identifiers.Path(number.Path),
        NumberSource.Generated => Identifiers.Generated(number.Path),
        _ => Identifiers.Escape(number.Path),
    };

    public string Out(Node node) => buffers[node.Id];

    public Node Node(int id) => nodes[id];

    /// <summary>The field of an auxiliary buffer of a node (see <see cref="Op.Auxiliary"/>).</summary>
    public string Auxiliary(Node node, string suffix) => AuxiliaryField(buffers[node.Id], suffix);

    public static string AuxiliaryField(string field, string suffix) => field + suffix;

    public bool IsNumber(int id) => nodes[id].IsNumber;

    public void Line(string statement) => writer.Line(statement);

    private string[] Inputs(Node node) => node.Inputs.Select(Ref).ToArray();

    public void Call(string kernel, params EmitArg[] arguments) => Line(RuntimeApi.Call(kernel, arguments.Select(Render)));

    private string Render(EmitArg argument) => argument switch
    {
        ValueArg value => Ref(value.Node),
        AuxiliaryArg { Suffix: null } output => buffers[output.Node],
        AuxiliaryArg auxiliary => AuxiliaryField(buffers[auxiliary.Node], auxiliary.Suffix!),
        LongArg number => CSharp.Literal(number.Number),
        DoubleArg number => CSharp.Literal(number.Number),
        BoolArg flag => flag.Flag ? "true" : "false",
        LongsArg list => RuntimeApi.Longs(list.Items),
        ValuesArg list => RuntimeApi.Tensors(list.Nodes.Select(Ref)),
        Size2Arg size => RuntimeApi.Size2(size.Height, size.Width),
        ReductionArg reduction => RuntimeApi.Reduction(reduction.Name),
        TextArg text => CSharp.String(text.Content),
        IndexArg index => "(long)(" + Ref(index.Node) + ")",
        GeneratorArg => random,
        _ => "null",
    };

    public void Kernel(string kernel, Node node, params int[] operands)
    {
        if (operands.Length == 0 && node.Inputs.Count == 1) writer.Line(Opener(kernel), Ref(node.Inputs[0]), ", ", Out(node), ");");
        else Line(RuntimeApi.Kernel(kernel, operands.Length == 0 ? Inputs(node) : operands.Select(Ref).ToArray(), Out(node)));
    }

    public void Binary(string kernel, Node node, bool commutative)
    {
        var (a, b) = (node.Inputs[0], node.Inputs[1]);
        if (IsNumber(a) && commutative) (a, b) = (b, a);
        // The line RuntimeApi.Kernel writes, in pieces (the commonest line of a long step).
        writer.Line(Opener(kernel), Ref(a), ", ", Ref(b), ", ", Out(node), ");");
    }

    private readonly Dictionary<string, string> _openers = new(System.StringComparer.Ordinal);

    /// <summary><c>global::Dsl.Kernels.Mul(</c>: made once per kernel.</summary>
    private string Opener(string kernel)
    {
        if (!_openers.TryGetValue(kernel, out var opener)) _openers[kernel] = opener = RuntimeApi.KernelOpener(kernel);
        return opener;
    }

    public void MatMul(Node node, bool transposeA, bool transposeB) =>
        Line(RuntimeApi.MatMul(Ref(node.Inputs[0]), Ref(node.Inputs[1]), Out(node), transposeA, transposeB));

    public void Fill(Node node, double value) => Line(RuntimeApi.Fill(Out(node), CSharp.Literal(value)));

    public void MeanBackward(Node node)
    {
        foreach (var line in RuntimeApi.MeanBackward(Ref(node.Inputs[0]), Out(node))) Line(line);
    }

    public void MseLoss(Node node) => Line(RuntimeApi.MseLoss(Ref(node.Inputs[0]), Ref(node.Inputs[1]), Out(node)));

    public void MseLossBackward(Node node) => Line(RuntimeApi.MseLossBackward(Ref(node.Inputs[0]), Ref(node.Inputs[1]), Ref(node.Inputs[2]), Out(node)));

    public void CrossEntropy(Node node, string logProbs, string totalWeight)
    {
        foreach (var line in RuntimeApi.CrossEntropy(Ref(node.Inputs[0]), Ref(node.Inputs[1]), Out(node), Auxiliary(node, logProbs), Auxiliary(node, totalWeight))) Line(line);
    }

    public void CrossEntropyBackward(Node node, Node forward, string logProbs, string totalWeight, string logProbsGradient)
    {
        foreach (var line in RuntimeApi.CrossEntropyBackward(Ref(node.Inputs[0]), Ref(node.Inputs[2]), Out(node),
            Auxiliary(forward, logProbs), Auxiliary(forward, totalWeight), Auxiliary(node, logProbsGradient))) Line(line);
    }

    public void CrossEntropySecond(Node node, Node forward, string logProbs, string totalWeight, string softmax, string weighted)
    {
        foreach (var line in RuntimeApi.CrossEntropySecond(Ref(node.Inputs[0]), Ref(node.Inputs[2]), Out(node),
            Auxiliary(forward, logProbs), Auxiliary(forward, totalWeight), Auxiliary(node, softmax), Auxiliary(node, weighted))) Line(line);
    }

    public void CallUserFunction(string method, Node node) => Line(RuntimeApi.CallUserFunction(Identifiers.Path(method), Inputs(node), Out(node)));

    public void AssignParameter(string path, AssignOperator op, int value) =>
        Line(IsNumber(value) ? RuntimeApi.InPlaceNumber(op, Member(path), Ref(value)) : RuntimeApi.InPlace(op, Member(path), Ref(value), null));

    public void ApplyRule(string rule, string stateField, string path, int gradient) =>
        Line(RuntimeApi.RuleUpdate(Member(rule), Identifiers.Generated(stateField), Member(path), Ref(gradient), step, learningRateFactor));

    // ---- loops: structured ops ----

    public void Structured(Node node) => LoopEmitter.Emit(this, node);

    public CodeWriter Writer => writer;

    /// <summary>A context for a loop body's nodes: <paramref name="refs"/> gives the C# of its computed values and sources.</summary>
    public EmitContext Nested(IReadOnlyList<Node> bodyNodes, IReadOnlyDictionary<int, string> refs) =>
        new(bodyNodes, refs, writer, _hiding, learningRateFactor, step, training);

    // ---- conditions ----

    public void Choose(Node node)
    {
        string Into(int value) => IsNumber(value) ? RuntimeApi.Fill(Out(node), Ref(value)) : RuntimeApi.Copy(Ref(value), Out(node));
        Line("if (" + Condition(node.Inputs[0]) + ") " + Into(node.Inputs[1]));
        Line("else " + Into(node.Inputs[2]));
    }

    public System.IDisposable Guard(int condition, bool whenTrue) =>
        writer.Block("if (" + (whenTrue ? Condition(condition) : "!" + Ref(condition)) + ")");

    /// <summary>A condition's C# without its outer parentheses (it stands inside <c>if (...)</c>).</summary>
    private string Condition(int id)
    {
        var text = Ref(id);
        return text.Length > 1 && text[0] == '(' && text[text.Length - 1] == ')' && Balanced(text.Substring(1, text.Length - 2)) ? text.Substring(1, text.Length - 2) : text;
    }

    private static bool Balanced(string text)
    {
        var depth = 0;
        foreach (var c in text)
        {
            if (c == '(') depth++;
            else if (c == ')' && --depth < 0) return false;
        }
        return depth == 0;
    }
}
