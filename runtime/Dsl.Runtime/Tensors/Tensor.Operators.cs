namespace Dsl;

public sealed partial class Tensor
{
    public static Tensor operator +(Tensor a, Tensor b) => Ops.Add(a, b);
    public static Tensor operator -(Tensor a, Tensor b) => Ops.Sub(a, b);
    public static Tensor operator *(Tensor a, Tensor b) => Ops.Mul(a, b);
    public static Tensor operator /(Tensor a, Tensor b) => Ops.Div(a, b);
    public static Tensor operator -(Tensor x) => Ops.Neg(x);

    public static Tensor operator +(Tensor a, double s) => Ops.Add(a, s);
    public static Tensor operator -(Tensor a, double s) => Ops.Sub(a, s);
    public static Tensor operator *(Tensor a, double s) => Ops.Mul(a, s);
    public static Tensor operator /(Tensor a, double s) => Ops.Div(a, s);

    public static Tensor operator +(double s, Tensor a) => Ops.Add(a, s);
    public static Tensor operator -(double s, Tensor a) => Ops.Sub(s, a);
    public static Tensor operator *(double s, Tensor a) => Ops.Mul(a, s);
    public static Tensor operator /(double s, Tensor a) => Ops.Div(s, a);
}
