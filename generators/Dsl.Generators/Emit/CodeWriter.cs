using System;

namespace Dsl.Generators.Emit;

/// <summary>An indenting text writer; <c>using (writer.Block("header"))</c> writes braces and indents.</summary>
/// <remarks>
/// The text goes into one char array that doubles when full rather than a StringBuilder: from its
/// first allocation the array is on the large object heap, which the GC does not copy, while a
/// StringBuilder's 16 KB chunks are copied from generation to generation for as long as the file
/// is being written (for a 16,000-term expression, most of the generator's GC time).
/// </remarks>
internal sealed class CodeWriter
{
    private char[] _text;
    private int _length;
    private int _indent;

    /// <param name="capacity">The characters the text is expected to need (a guess: the array doubles past it).</param>
    public CodeWriter(int capacity = 1 << 16) => _text = new char[System.Math.Max(capacity, 1 << 16)];

    /// <summary>A capacity for a file with this many buffers: ~300 characters each in the steps measured (field, allocation, release, the lines computing it), plus the fixed members.</summary>
    public static int CapacityFor(int buffers) => (int)System.Math.Min(int.MaxValue / 2, (1L << 14) + 320L * buffers);

    public CodeWriter Line(string line = "")
    {
        var needed = _length + (line.Length > 0 ? _indent * 4 + line.Length : 0) + 1;
        if (needed > _text.Length) Grow(needed);
        if (line.Length > 0)
        {
            for (var i = _indent * 4; i > 0; i--) _text[_length++] = ' ';
            line.CopyTo(0, _text, _length, line.Length);
            _length += line.Length;
        }
        _text[_length++] = '\n';
        return this;
    }

    /// <summary>One line from pieces, copied straight into the text (a line of a long step is not built as a string first).</summary>
    public CodeWriter Line(string a, string b) => Pieces(a, b, "", "", "", "", "");

    public CodeWriter Line(string a, string b, string c) => Pieces(a, b, c, "", "", "", "");

    public CodeWriter Line(string a, string b, string c, string d) => Pieces(a, b, c, d, "", "", "");

    public CodeWriter Line(string a, string b, string c, string d, string e) => Pieces(a, b, c, d, e, "", "");

    public CodeWriter Line(string a, string b, string c, string d, string e, string f, string g) => Pieces(a, b, c, d, e, f, g);

    private CodeWriter Pieces(string a, string b, string c, string d, string e, string f, string g)
    {
        var length = a.Length + b.Length + c.Length + d.Length + e.Length + f.Length + g.Length;
        if (length == 0) return Line();
        var needed = _length + _indent * 4 + length + 1;
        if (needed > _text.Length) Grow(needed);
        for (var i = _indent * 4; i > 0; i--) _text[_length++] = ' ';
        Copy(a);
        Copy(b);
        Copy(c);
        Copy(d);
        Copy(e);
        Copy(f);
        Copy(g);
        _text[_length++] = '\n';
        return this;
    }

    private void Copy(string piece)
    {
        piece.CopyTo(0, _text, _length, piece.Length);
        _length += piece.Length;
    }

    private void Grow(int needed)
    {
        var grown = new char[Math.Max(needed, _text.Length * 2)];
        Array.Copy(_text, grown, _length);
        _text = grown;
    }

    public IDisposable Block(string header)
    {
        Line(header);
        Line("{");
        _indent++;
        return new Closer(this);
    }

    private sealed class Closer(CodeWriter writer) : IDisposable
    {
        public void Dispose()
        {
            writer._indent--;
            writer.Line("}");
        }
    }

    public override string ToString() => new(_text, 0, _length);
}
