namespace Dsl.Generators.Tests.Operators;

public static partial class LanguageOpCases
{
    // The transformer's built-in layers (LayerNorm, Embedding, MultiHeadAttention, TransformerBlock) on
    // [Batch, T, Features] inputs whose T is known only at run time, against torch with the same
    // weights. The attention is written out with torch ops: nn.MultiheadAttention packs q/k/v into
    // one in_proj_weight, our layers keep four torch.nn.Linear-shaped projections. The key bias gets
    // a zero gradient through attention (softmax ignores a shift shared by a query's scores), which a
    // relative comparison cannot judge, so the attention cases add a term of their own for it.
    // The layers keep the head axes in their parameters (docs in MultiHeadAttention.cs); torch's
    // Linear weights are those reshaped: q/k/v weight [F, H, D] → [F, H·D]ᵀ, out weight [F, H, D] → [F, H·D].
    private const string TorchAttention = """
            def attention(x, p, prefix):
                b, t, f = x.shape
                _, h, d = p[prefix + 'QueryWeight'].shape
                def project(name): return F.linear(x, p[prefix + name + 'Weight'].reshape(f, h * d).T, p[prefix + name + 'Bias'].reshape(h * d))
                def split(y): return y.view(b, t, h, d).transpose(1, 2)
                q, k, v = split(project('Query')), split(project('Key')), split(project('Value'))
                s = q @ k.transpose(-2, -1) / math.sqrt(d)
                s = s.masked_fill(torch.ones(t, t, dtype=torch.bool).triu(1), float('-inf'))
                a = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(b, t, h * d)
                return F.linear(a, p[prefix + 'OutputWeight'].reshape(f, h * d), p[prefix + 'OutputBias'])
            """;

    private static IEnumerable<CrossCheckCase> TransformerLayers =>
    [
        new("LayerNormLayer", """
            [Experiment]
            public partial class LayerNormFit
            {
                public LayerNorm Norm = new() { Features = 6 };

                [Loss]
                public Tensor Loss([Shape("Batch", "T", 6)] Tensor x, [Shape("Batch", "T", 6)] Tensor c) => Sum(Square(Norm.Forward(x) * c));
            }
            """, "Demo.LayerNormFit", 5, g => [Randn(g, 3, 4, 6), Randn(g, 3, 4, 6)],
            "loss = (torch.square(F.layer_norm(x, (6,), Norm_Weight, Norm_Bias) * c)).sum()", Exact),
        new("EmbeddingLayer", """
            [Experiment]
            public partial class EmbeddingFit
            {
                public Embedding Tokens = new() { Count = 7, Features = 4 };

                [Loss]
                public Tensor Loss([Shape("Batch", "T")] Tensor tokens, [Shape("Batch", "T", 4)] Tensor c) => Sum(Square(Tokens.Forward(tokens) * c));
            }
            """, "Demo.EmbeddingFit", 6, g => [Labels(g, 7, 3, 5), Randn(g, 3, 5, 4)],
            "loss = (torch.square(F.embedding(tokens, Tokens_Weight) * c)).sum()", Exact),
        new("MultiHeadAttentionLayer", """
            [Experiment]
            public partial class AttentionFit
            {
                public MultiHeadAttention Attention = new() { Features = 8, Heads = 2, HeadSize = 4 };

                [Loss]
                public Tensor Loss([Shape("Batch", "T", 8)] Tensor x, [Shape("Batch", "T", 8)] Tensor c) => Sum(Tanh(Attention.Forward(x)) * c) + Sum(Square(Attention.KeyBias));
            }
            """, "Demo.AttentionFit", 7, g => [Randn(g, 3, 5, 8), Randn(g, 3, 5, 8)],
            TorchAttention + "\n" + """
            loss = (torch.tanh(attention(x, locals(), 'Attention_')) * c).sum() + (Attention_KeyBias ** 2).sum()
            """, Exact),
        new("TransformerBlockLayer", """
            [Experiment]
            public partial class BlockFit
            {
                public TransformerBlock Block = new() { Features = 8, Heads = 2, HeadSize = 4, Hidden = 16 };

                [Loss]
                public Tensor Loss([Shape("Batch", "T", 8)] Tensor x, [Shape("Batch", "T", 8)] Tensor c) => Sum(Tanh(Block.Forward(x)) * c) + Sum(Square(Block.KeyBias));
            }
            """, "Demo.BlockFit", 8, g => [Randn(g, 3, 5, 8), Randn(g, 3, 5, 8)],
            TorchAttention + "\n" + """
            p = {name[len('Block_'):]: value for name, value in locals().items() if name.startswith('Block_')}
            h = x + attention(F.layer_norm(x, (8,), p['Norm1Weight'], p['Norm1Bias']), p, '')
            m = F.layer_norm(h, (8,), p['Norm2Weight'], p['Norm2Bias'])
            loss = (torch.tanh(h + F.linear(F.gelu(F.linear(m, p['Hidden1Weight'], p['Hidden1Bias'])), p['Hidden2Weight'], p['Hidden2Bias'])) * c).sum() + (Block_KeyBias ** 2).sum()
            """, Exact),
    ];
}
