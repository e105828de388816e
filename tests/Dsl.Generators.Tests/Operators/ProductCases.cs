namespace Dsl.Generators.Tests.Operators;

public static partial class LanguageOpCases
{
    private static IEnumerable<CrossCheckCase> Products => [];
}
