namespace Dsl.Generators.Ir;

/// <summary>
/// An operand as the user wrote it (<c>x</c>, <c>Net.W1</c>, <c>Relu(h)</c>), for messages. Only a
/// message reads <see cref="Text"/>, so lowering hands over the expression and the text is written
/// when (and only if) a diagnostic needs it: a 16,000-term sum writes no label at all.
/// </summary>
internal abstract class OperandLabel
{
    public abstract string Text { get; }

    public override string ToString() => Text;

    public static implicit operator OperandLabel(string text) => new Written(text);

    private sealed class Written(string text) : OperandLabel
    {
        public override string Text => text;
    }
}
