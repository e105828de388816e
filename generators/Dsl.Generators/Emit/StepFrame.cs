using System.Collections.Generic;
using System.Linq;
using Dsl.Generators.Compile;

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
    /// <param name="Guarded">Release enters the experiment's step guard (freeing buffers a step on another thread is using crashed the process).</param>
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
        bool PublicRelease = true,
        bool Guarded = false)
    {
        public string Prepare => Identifiers.Generated("Prepare" + Prefix);

        public string Allocate => Identifiers.Generated("Allocate" + Prefix + "Buffers");

        public string Release => "Release" + Prefix + "Buffers";

        public string ShapeMismatch => Identifiers.Generated(Prefix + "ShapeMismatch");

        public string ReadyField => Identifiers.Generated(Naming.Join(Stem, "buffersReady"));

        /// <summary>Names the frame's fields apart from another frame's: <c>predict</c> for Predict.</summary>
        private string Stem => Naming.LowerFirst(Prefix);

        public string BufferField(BufferPlan buffer) => Identifiers.Generated(Naming.Join(Stem, buffer.Name));

        /// <summary>The field of each of <see cref="Buffers"/>, in order (worked out once: the fields, Allocate, Release and the step all name them).</summary>
        public IReadOnlyList<string> BufferFields
        {
            get
            {
                // Kept with what it was made from, so a copy made with other buffers or another prefix makes its own.
                var buffers = Buffers.AsImmutableArray();
                if (_bufferFields is not { } made || made.Buffers != buffers || made.Prefix != Prefix)
                {
                    _bufferFields = made = (buffers, Prefix, buffers.Select(BufferField).ToArray());
                }
                return made.Fields;
            }
        }

        private (System.Collections.Immutable.ImmutableArray<BufferPlan> Buffers, string Prefix, string[] Fields)? _bufferFields;

        /// <summary>The size the buffers were allocated for (a field kept between calls).</summary>
        public string DimField(string name) => Identifiers.Generated(Naming.Join(Stem, name) + "Allocated");

        /// <summary>The size of this call's inputs (a local of Prepare).</summary>
        public static string DimLocal(string name) => Identifiers.Generated(name);

        /// <summary>The field of each node's result buffer.</summary>
        public Dictionary<int, string> ResultFields()
        {
            var fields = new Dictionary<int, string>(Buffers.Count);
            for (var i = 0; i < Buffers.Count; i++)
            {
                if (!Buffers[i].IsAuxiliary) fields.Add(Buffers[i].Node, BufferFields[i]);
            }
            return fields;
        }

        /// <summary>A dimension as C#: a literal, a model's [Dim] field, or a run-time size (Prepare's local, or the field elsewhere).</summary>
        public string Dim(DimValue dim, bool local, IReadOnlyCollection<string>? hiding = null) => dim.Source switch
        {
            DimSource.Constant => CSharp.Literal(dim.Constant),
            DimSource.Member => "(long)" + Identifiers.Member(dim.Name, hiding ?? []),
            DimSource.Runtime => local ? DimLocal(dim.Name) : DimField(dim.Name),
            _ => "(long)" + dim.Name,
        };
    }

    /// <summary>The fields the frame keeps: buffers, run-time sizes and the ready flag.</summary>
    public static void Fields(CodeWriter writer, Frame frame)
    {
        foreach (var field in frame.BufferFields) writer.Line("private " + Tensor + " ", field, " = null!;");
        foreach (var dim in frame.RuntimeDims) writer.Line("private long " + frame.DimField(dim.Name) + " = -1;");
        writer.Line("private bool " + frame.ReadyField + ";");
    }

    /// <summary>Each model [Dim] the inputs give must equal the size they give it.</summary>
    private static void DimChecks(CodeWriter writer, Frame frame, IReadOnlyCollection<string> hiding)
    {
        foreach (var check in frame.DimChecks)
        {
            var member = Identifiers.Member(check.Member, hiding);
            var expected = frame.Dim(check.Expected, local: true, hiding);
            using (writer.Block("if (" + member + " != " + expected + ")"))
            {
                writer.Line("throw new global::System.InvalidOperationException($\"" + frame.Name + ": " + check.Member + " is {" + member +
                    "} but the inputs need {" + expected + "}.\");");
            }
        }
    }

    /// <summary>The run-time sizes some buffer (or a [Dim] check) has. Buffers share their shape arrays: each array is read once.</summary>
    private static HashSet<string> SizedDims(Frame frame)
    {
        var sized = new HashSet<string>(System.StringComparer.Ordinal);
        var seen = new HashSet<System.Collections.Immutable.ImmutableArray<DimValue>>();
        foreach (var buffer in frame.Buffers)
        {
            var shape = buffer.Shape.AsImmutableArray();
            if (!seen.Add(shape)) continue;
            foreach (var dim in shape)
            {
                if (dim.Source == DimSource.Runtime) sized.Add(dim.Name);
            }
        }
        foreach (var check in frame.DimChecks)
        {
            if (check.Expected.Source == DimSource.Runtime) sized.Add(check.Expected.Name);
        }
        return sized;
    }

    public static void Emit(CodeWriter writer, Frame frame)
    {
        var tensors = frame.Tensors;
        var hiding = tensors.Select(t => t.Name).ToList();
        string Name(StepParameterPlan t) => Identifiers.Escape(t.Name);
        writer.Line("/// <summary>Checks the inputs against their [Shape]s; (re)allocates the buffers when a run-time size changed.</summary>");
        using (writer.Block("private void " + frame.Prepare + "(" + string.Join(", ", tensors.Select(t => Tensor + " " + Name(t))) + ")"))
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
                using (writer.Block("if (" + RuntimeApi.Rank(Name(t)) + " != " + t.Axes.Count + ")"))
                {
                    writer.Line("throw " + frame.ShapeMismatch + "(" + CSharp.String(t.Name) + ", " + Name(t) + ", " + CSharp.String(t.Declared) + ", \"\");");
                }
            }
            foreach (var dim in frame.RuntimeDims) writer.Line("var " + Frame.DimLocal(dim.Name) + " = " + RuntimeApi.Size(Identifiers.Escape(dim.Input), dim.Axis) + ";");
            foreach (var t in tensors)
            {
                for (var axis = 0; axis < t.Axes.Count; axis++)
                {
                    var expected = t.Axes[axis].Expected;
                    if (frame.RuntimeDims.Any(d => d.Input == t.Name && d.Axis == axis)) continue;
                    var source = RuntimeApi.Size(Name(t), axis);
                    var bound = expected.Source == DimSource.Runtime ? frame.RuntimeDims.FirstOrDefault(d => d.Name == expected.Name) : null;
                    var bindings = bound is null ? "\"\"" : "$\" (" + bound.Display + " = {" + Frame.DimLocal(bound.Name) + "}, from " + bound.Input + " axis " + bound.Axis + ")\"";
                    using (writer.Block("if (" + source + " != " + frame.Dim(expected, local: true, hiding) + ")"))
                    {
                        writer.Line("throw " + frame.ShapeMismatch + "(" + CSharp.String(t.Name) + ", " + Name(t) + ", " + CSharp.String(t.Declared) + ", " + bindings + ");");
                    }
                }
            }
            // Only the sizes some buffer has call for new buffers. A size no buffer has (a sequence's
            // length read by a run-time loop, whose saved rows grow by themselves) is recorded and
            // checked at every call instead, so batches of different lengths reuse the buffers.
            // (A size checked against a model's [Dim] keeps the first rule: it cannot change without a failed check.)
            var sized = SizedDims(frame);
            var unsized = frame.RuntimeDims.Where(d => !sized.Contains(d.Name)).ToList();
            var changed = string.Join(" && ", new[] { frame.ReadyField }.Concat(frame.RuntimeDims.Where(d => sized.Contains(d.Name))
                .Select(d => Frame.DimLocal(d.Name) + " == " + frame.DimField(d.Name))));
            if (unsized.Count == 0)
            {
                writer.Line("if (" + changed + ") return;");
                DimChecks(writer, frame, hiding);
            }
            else
            {
                DimChecks(writer, frame, hiding);
                foreach (var dim in unsized) writer.Line(frame.DimField(dim.Name) + " = " + Frame.DimLocal(dim.Name) + ";");
                writer.Line("if (" + changed + ") return;");
            }
            foreach (var dim in frame.RuntimeDims) writer.Line(frame.DimField(dim.Name) + " = " + Frame.DimLocal(dim.Name) + ";");
            writer.Line(frame.Allocate + "();");
        }
        writer.Line();

        writer.Line("/// <summary>Allocates every buffer for the current sizes, in the parameters' dtype.</summary>");
        using (writer.Block("private void " + frame.Allocate + "()"))
        {
            writer.Line(frame.Release + "();");
            writer.Line("var __dtype = " + frame.DType + ";");
            // Buffers of one shape and type share the text of their allocation.
            // (Keyed by the shape array itself: ImmutableArray compares the array it holds, and buffers of one shape share it.)
            var empties = new Dictionary<(System.Collections.Immutable.ImmutableArray<DimValue>, Ir.ElementType), string>();
            for (var i = 0; i < frame.Buffers.Count; i++)
            {
                var buffer = frame.Buffers[i];
                if (!empties.TryGetValue((buffer.Shape.AsImmutableArray(), buffer.Type), out var empty))
                {
                    var dtype = buffer.Type switch
                    {
                        Ir.ElementType.Int64 => RuntimeApi.DType + ".Int64",
                        Ir.ElementType.Bool => RuntimeApi.DType + ".Bool",
                        _ => "__dtype",
                    };
                    empties[(buffer.Shape.AsImmutableArray(), buffer.Type)] = empty = RuntimeApi.Empty(buffer.Shape.Select(d => frame.Dim(d, local: false)), dtype);
                }
                writer.Line(frame.BufferFields[i], " = ", empty, ";");
            }
            writer.Line(frame.ReadyField + " = true;");
        }
        writer.Line();

        writer.Line("/// <summary>Frees the buffers now; the next call allocates them again" + (frame.Prefix.Length == 0 ? " (update-rule state is kept)" : "") + ".</summary>");
        using (writer.Block((frame.PublicRelease ? "public" : "private") + " void " + frame.Release + "()"))
        {
            if (frame.Guarded) writer.Line(RuntimeApi.EnterStepGuard(frame.Release));
            foreach (var field in frame.BufferFields) writer.Line(field, "?.Dispose();");
            writer.Line(frame.ReadyField + " = false;");
        }
        writer.Line();

        using (writer.Block("private static global::System.ArgumentException " + frame.ShapeMismatch + "(string parameter, " + Tensor + " actual, string declared, string bindings)"))
        {
            writer.Line("return new global::System.ArgumentException($\"" + frame.Method +
                ": '{parameter}' has shape {actual.Shape} but its [Shape] is {declared}{bindings}.\", parameter);");
        }
    }
}
