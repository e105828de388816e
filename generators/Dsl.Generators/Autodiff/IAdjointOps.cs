using Dsl.Generators.Ir;

namespace Dsl.Generators.Autodiff;

/// <summary>
/// The ops reverse mode itself makes, besides those of derivative rules: the seed (ones), the sum of
/// two contributions and the sum back over broadcast axes. The Ops stage implements it
/// (<c>OpCatalog.Adjoint</c>), so differentiation does not depend on concrete ops.
/// </summary>
internal interface IAdjointOps
{
    Op Ones();

    Op Add();

    Op SumToShape();
}
