using System;
using System.Collections.Generic;

namespace Dsl.Generators.Ir;

/// <summary>
/// How the math written above a line and in a class summary names an operand: a computed value by
/// its name (<c>relu1</c>), a number by its value or expression (<c>0.5</c>, <c>(LearningRate · 2)</c>),
/// a value read without its gradient as <c>NoGrad(h)</c>.
/// </summary>
internal static class MathNames
{
    public static Func<int, string> Of(IReadOnlyList<Node> nodes)
    {
        Func<int, string>? nameOf = null;
        nameOf = id =>
        {
            var node = nodes[id];
            if (node.Op is NoGradOp) return node.Op.Math(node, nameOf!);
            if (!node.IsNumber) return node.Name;
            var math = node.Op.Math(node, nameOf!);
            return node.Op is NumberArithmeticOp ? "(" + math + ")" : math;
        };
        return nameOf;
    }
}
