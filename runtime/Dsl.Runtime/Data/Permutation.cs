namespace Dsl;

/// <summary>
/// Deterministic permutations of 0..n-1. The order is a function of (seed, stream) alone:
/// <c>SplitMix64.ForStream(seed, stream)</c> drives a Fisher–Yates shuffle of the identity, so
/// the order of an epoch can be recomputed from the seed and the epoch number at any time.
/// </summary>
internal static class Permutation
{
    public static long[] Of(long count, ulong seed, ulong stream)
    {
        var order = new long[checked((int)count)];
        Fill(order, seed, stream);
        return order;
    }

    public static void Fill(Span<long> order, ulong seed, ulong stream)
    {
        Identity(order);
        var random = SplitMix64.ForStream(seed, stream);
        random.Shuffle(order);
    }

    public static void Identity(Span<long> order)
    {
        for (var i = 0; i < order.Length; i++) order[i] = i;
    }
}
