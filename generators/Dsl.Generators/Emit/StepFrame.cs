using System.Collections.Generic;
using System.Linq;

namespace Dsl.Generators.Emit;

/// <summary>
/// What every compiled computation (an experiment's step, a model's Predict) has around its
/// kernels: a Prepare that checks the inputs against their [Shape]s and (re)allocates the buffers
/// when a run-time size changed, AllocateBuffers, ReleaseBuffers and the shape-mismatch message.
/// Member names take a prefix so a class can hold several frames.
/// </summary>
internal static class StepFrame
{
    private const string Tensor = RuntimeApi.Tensor;

    /// <param name="Name">The class, for messages.</param>
    /// <param name="Method">The method the inputs are declared on (<c>DigitClassifier.Loss</c>), for messages.</param>
    /// <param name="Ready">Conditions that must hold before a step, each with its message (models initialized).</param>
    /// <param name="DType">The C# expression of the buffers' dtype.</param>
    /// <param name="Prefix">Names the members of a second frame (<c>Predict</c>: PreparePredict, AllocatePredictBuffers, ReleasePredictBuffers).</param>
    internal sealed record Frame(
        string Name,
        string Method,
        IReadOnlyList<StepParameterPlan> Tensors,
        EquatableArray<RuntimeDimPlan> RuntimeDims,
        EquatableArray<DimCheckPlan> DimChecks,
        EquatableArray<BufferPlan> Buffers,
        IReadOnlyList<(string Condition, string Message)> Ready,
        string DType,
        string Prefix = "",
        bool PublicRelease = true)
    {
        public string Prepare => "Prepare" + Prefix;

        public string Allocate => "Allocate" + Prefix + "Buffers";

        public string Release => "Release" + Prefix + "Buffers";

        public string ReadyField => "_" + Lowering(Prefix) + (Prefix.Length == 0 ? "buffersReady" : "BuffersReady");

        private static string Lowering(string prefix) => prefix.Length == 0 ? "" : char.ToLowerInvariant(prefix[0]) + prefix.Substring(1);
    }

    /// <summary>The fields the frame keeps: buffers, run-time sizes and the ready flag.</summary>
    public static void Fields(CodeWriter writer, Frame frame)
    {
        foreach (var buffer in frame.Buffers) writer.Line("private " + Tensor + " " + buffer.Field + " = null!;");
        foreach (var dim in frame.RuntimeDims) writer.Line("private long " + dim.Field + " = -1;");
        writer.Line("private bool " + frame.ReadyField + ";");
    }

    public static void Emit(CodeWriter writer, Frame frame)
    {
        var tensors = frame.Tensors;
        writer.Line("/// <summary>Checks the inputs against their [Shape]s; (re)allocates the buffers when a run-time size changed.</summary>");
        using (writer.Block("private void " + frame.Prepare + "(" + string.Join(", ", tensors.Select(t => Tensor + " " + t.Name)) + ")"))
        {
            foreach (var (condition, message) in frame.Ready)
            {
                using (writer.Block("if (!" + condition + ")"))
                {
                    writer.Line("throw new global::System.InvalidOperationException(" + CSharp.String(message) + ");");
                }
            }
            foreach (var t in tensors)
            {
                using (writer.Block("if (" + RuntimeApi.Rank(t.Name) + " != " + t.Axes.Count + ")"))
                {
                    writer.Line("throw " + frame.Prefix + "ShapeMismatch(" + CSharp.String(t.Name) + ", " + t.Name + ", " + CSharp.String(t.Declared) + ", \"\");");
                }
            }
            foreach (var dim in frame.RuntimeDims) writer.Line("var " + dim.Local + " = " + dim.Source + ";");
            foreach (var t in tensors)
            {
                for (var axis = 0; axis < t.Axes.Count; axis++)
                {
                    var expected = t.Axes[axis].Expected;
                    var source = RuntimeApi.Size(t.Name, axis);
                    if (frame.RuntimeDims.Any(d => d.Source == source)) continue;
                    var bound = frame.RuntimeDims.FirstOrDefault(d => d.Local == expected);
                    var bindings = bound is null ? "\"\"" : "$\" (" + bound.Display + " = {" + bound.Local + "}, from " + Describe(bound.Source) + ")\"";
                    using (writer.Block("if (" + source + " != " + expected + ")"))
                    {
                        writer.Line("throw " + frame.Prefix + "ShapeMismatch(" + CSharp.String(t.Name) + ", " + t.Name + ", " + CSharp.String(t.Declared) + ", " + bindings + ");");
                    }
                }
            }
            var changed = string.Join(" && ", new[] { frame.ReadyField }.Concat(frame.RuntimeDims.Select(d => d.Local + " == " + d.Field)));
            writer.Line("if (" + changed + ") return;");
            foreach (var check in frame.DimChecks)
            {
                using (writer.Block("if (" + check.Expression + " != " + check.Expected + ")"))
                {
                    writer.Line("throw new global::System.InvalidOperationException($\"" + frame.Name + ": " + check.Expression + " is {" + check.Expression +
                        "} but the inputs need {" + check.Expected + "}.\");");
                }
            }
            foreach (var dim in frame.RuntimeDims) writer.Line(dim.Field + " = " + dim.Local + ";");
            writer.Line(frame.Allocate + "();");
        }
        writer.Line();

        writer.Line("/// <summary>Allocates every buffer for the current sizes, in the parameters' dtype.</summary>");
        using (writer.Block("private void " + frame.Allocate + "()"))
        {
            writer.Line(frame.Release + "();");
            writer.Line("var dtype = " + frame.DType + ";");
            foreach (var buffer in frame.Buffers) writer.Line(buffer.Field + " = " + RuntimeApi.Empty(buffer.Shape, "dtype") + ";");
            writer.Line(frame.ReadyField + " = true;");
        }
        writer.Line();

        writer.Line("/// <summary>Frees the buffers now; the next call allocates them again" + (frame.Prefix.Length == 0 ? " (update-rule state is kept)" : "") + ".</summary>");
        using (writer.Block((frame.PublicRelease ? "public" : "private") + " void " + frame.Release + "()"))
        {
            foreach (var buffer in frame.Buffers) writer.Line(buffer.Field + "?.Dispose();");
            writer.Line(frame.ReadyField + " = false;");
        }
        writer.Line();

        using (writer.Block("private static global::System.ArgumentException " + frame.Prefix + "ShapeMismatch(string parameter, " + Tensor + " actual, string declared, string bindings)"))
        {
            writer.Line("return new global::System.ArgumentException($\"" + frame.Method +
                ": '{parameter}' has shape {actual.Shape} but its [Shape] is {declared}{bindings}.\", parameter);");
        }
    }

    private static string Describe(string source) => source.Replace(".Size(", " axis ").Replace(")", "");
}
