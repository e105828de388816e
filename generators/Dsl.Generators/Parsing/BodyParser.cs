using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Dsl.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace Dsl.Generators.Parsing;

/// <summary>
/// Turns a method body (the small subset of C# the DSL allows) into the syntax-independent AST.
/// Anything else becomes DSL0003 at its own location; the parser keeps going so one run reports
/// every problem of a body.
/// </summary>
internal sealed partial class BodyParser(
    SemanticModel semanticModel,
    LocationTable locations,
    List<DiagnosticInfo> diagnostics,
    string methodName,
    BodyKind kind,
    CancellationToken token,
    int depth = 0)
{
    private const string OpsTypeName = "Dsl.Ops";

    private const string TensorTypeName = "Dsl.Tensor";

    /// <summary>The call <c>x.Size(axis)</c> becomes, a CallExpr of this name with the operands x and axis.</summary>
    internal const string SizeFunction = "Size";
    private const string DifferentiableAttribute = "Dsl.DifferentiableAttribute";
    private const string DerivativeAttribute = "Dsl.DerivativeAttribute";
    private const int MaxInlineDepth = 16;

    // Calls are bound with a semantic model that skips nullable analysis: the parser needs symbols
    // and constants only, and on a long expression Roslyn's nullable pass costs more than binding
    // (it computes a location per conversion, each walking down the left-nested chain: quadratic).
    // Nested parsers (inlined functions) are given such a model already.
    private readonly SemanticModel _model = depth == 0 ? WithoutNullableAnalysis(semanticModel, semanticModel.SyntaxTree) : semanticModel;

    // SemanticModelOptions is marked experimental (RSEXPERIMENTAL001, dotnet/roslyn#70609): should a
    // later compiler drop it, the reference fails when DisableNullableAnalysis is compiled, and the
    // parser keeps an ordinary model (slower on long expressions, same results).
    private static SemanticModel WithoutNullableAnalysis(SemanticModel model, SyntaxTree tree)
    {
        try
        {
            return DisableNullableAnalysis(model.Compilation, tree);
        }
        catch (System.MissingMemberException)
        {
            return tree == model.SyntaxTree ? model : model.Compilation.GetSemanticModel(tree);
        }
        catch (System.TypeLoadException)
        {
            return tree == model.SyntaxTree ? model : model.Compilation.GetSemanticModel(tree);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static SemanticModel DisableNullableAnalysis(Compilation compilation, SyntaxTree tree)
    {
#pragma warning disable RSEXPERIMENTAL001
        return compilation.GetSemanticModel(tree, SemanticModelOptions.DisableNullableAnalysis);
#pragma warning restore RSEXPERIMENTAL001
    }

    /// <summary>The method being parsed (its operation tree answers the semantic questions at once: <see cref="Index"/>).</summary>
    private BaseMethodDeclarationSyntax? _method;

    public EquatableArray<Stmt> Parse(BaseMethodDeclarationSyntax method)
    {
        _method = method;
        _index = null;
        _lookup = null;
        var statements = ImmutableArray.CreateBuilder<Stmt>();
        if (method.ExpressionBody is { } arrow)
        {
            var value = ParseExpression(arrow.Expression);
            if (value is not null) statements.Add(new ReturnStmt(value, locations.Add(arrow.Expression)));
        }
        else if (method.Body is { } block)
        {
            foreach (var statement in block.Statements)
            {
                token.ThrowIfCancellationRequested();
                if (ParseStatement(statement) is { } parsed) statements.Add(parsed);
            }
        }
        return statements.ToImmutable();
    }

    private Stmt? ParseStatement(StatementSyntax statement)
    {
        switch (statement)
        {
            case LocalDeclarationStatementSyntax local when local.Declaration.Variables.Count == 1
                && local.Declaration.Variables[0].Initializer is { } initializer
                && !local.IsConst && local.UsingKeyword.IsKind(SyntaxKind.None):
            {
                var variable = local.Declaration.Variables[0];
                if (!SyntaxFacts.IsValidIdentifier(variable.Identifier.ValueText)) return null;
                var value = ParseExpression(initializer.Value);
                return value is null ? null : new LocalStmt(variable.Identifier.ValueText, value, locations.Add(variable));
            }
            // const int Axis = 1; is read where it is used (NamedConstant), so it lowers to nothing.
            case LocalDeclarationStatementSyntax { IsConst: true } constant
                when constant.Declaration.Variables.All(v => v.Initializer is { } init && _model.GetConstantValue(init.Value, token).HasValue):
                return new BlockStmt(EquatableArray<Stmt>.Empty, locations.Add(constant));
            case ReturnStatementSyntax { Expression: { } returned }:
            {
                var value = ParseExpression(returned);
                return value is null ? null : new ReturnStmt(value, locations.Add(returned));
            }
            case ExpressionStatementSyntax { Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Apply" } apply } invocation }
                when ReceiverPath(apply.Expression) is { } rule:
            {
                var arguments = ParseArguments(invocation.ArgumentList);
                return arguments is null ? null : new ApplyStmt(rule, arguments.Value, locations.Add(invocation));
            }
            case ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Left: MemberAccessExpressionSyntax left } memberAssignment }
                when left.Expression is not ThisExpressionSyntax && MemberPath(left) is { } path:
            {
                var op = AssignOperatorOf(memberAssignment);
                if (op is null) return Unsupported(statement, "the assignment '" + Describe(memberAssignment) + "'");
                var value = ParseExpression(memberAssignment.Right);
                return value is null ? null : new AssignStmt(string.Join(".", path), op.Value, value, locations.Add(memberAssignment));
            }
            case ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assignment }
                when assignment.Left is IdentifierNameSyntax or MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax }:
            {
                var op = AssignOperatorOf(assignment);
                if (op is null) return Unsupported(statement, "the assignment '" + Describe(assignment) + "'");
                var target = assignment.Left is IdentifierNameSyntax id ? id.Identifier.ValueText
                    : ((MemberAccessExpressionSyntax)assignment.Left).Name.Identifier.ValueText;
                if (!SyntaxFacts.IsValidIdentifier(target)) return null;
                var value = ParseExpression(assignment.Right);
                return value is null ? null : new AssignStmt(target, op.Value, value, locations.Add(assignment));
            }
            case ForStatementSyntax loop:
                return ParseFor(loop);
            case WhileStatementSyntax or DoStatementSyntax or ForEachStatementSyntax:
                UnsupportedLoop(statement, Capitalize(DescribeKind(statement)) + " '" + Describe(statement) + "'", "write 'for (var t = 0; t < n; t++)' with n a number known when the step runs");
                return null;
            case IfStatementSyntax ifStatement:
                return ParseIf(ifStatement);
            case LocalDeclarationStatementSyntax local when IsDeclarationWithoutValue(local):
                return ParseDeclaration(local);
            case LocalDeclarationStatementSyntax local:
                return Unsupported(statement, "the declaration '" + Describe(local) + "' (declare one 'var' local with a value)");
            default:
                return Unsupported(statement, DescribeKind(statement) + " '" + Describe(statement) + "'");
        }
    }

    private static AssignOperator? AssignOperatorOf(AssignmentExpressionSyntax assignment) => assignment.Kind() switch
    {
        SyntaxKind.SimpleAssignmentExpression => AssignOperator.Assign,
        SyntaxKind.AddAssignmentExpression => AssignOperator.AddAssign,
        SyntaxKind.SubtractAssignmentExpression => AssignOperator.SubtractAssign,
        SyntaxKind.MultiplyAssignmentExpression => AssignOperator.MultiplyAssign,
        SyntaxKind.DivideAssignmentExpression => AssignOperator.DivideAssign,
        _ => null,
    };

    /// <summary>Longest loop unrolled (iterations, nested loops multiplied); longer ones are DSL0003 for now.</summary>
    internal const int MaxUnrolledIterations = 64;

    /// <summary>Most statements one loop (with its nested loops) unrolls to.</summary>
    internal const int MaxUnrolledStatements = 4096;

    /// <summary>
    /// <c>for (var i = a; i &lt; b; i++)</c> (or <c>&lt;=</c>, <c>i += k</c>) with compile-time constant
    /// bounds, unrolled: the body is parsed once and repeated, each copy preceded by <c>i</c>'s value.
    /// </summary>
    private Stmt? ParseFor(ForStatementSyntax loop)
    {
        if (IsRuntimeFor(loop)) return ParseRuntimeFor(loop);
        string? variable = null;
        long start = 0, end = 0, step = 0;
        var ok = loop.Declaration is { Variables.Count: 1 } declaration && loop.Initializers.Count == 0
            && declaration.Variables[0].Initializer is { } init && Constant(init.Value) is { } first
            && (variable = declaration.Variables[0].Identifier.ValueText) is not null && (start = first) == first;
        if (ok && loop.Condition is BinaryExpressionSyntax condition && condition.Left is IdentifierNameSyntax left
            && left.Identifier.ValueText == variable && Constant(condition.Right) is { } bound
            && condition.Kind() is SyntaxKind.LessThanExpression or SyntaxKind.LessThanOrEqualExpression)
        {
            end = condition.IsKind(SyntaxKind.LessThanExpression) ? bound : bound + 1;
        }
        else ok = false;
        if (ok && loop.Incrementors.Count == 1)
        {
            step = loop.Incrementors[0] switch
            {
                PostfixUnaryExpressionSyntax { Operand: IdentifierNameSyntax id } p when p.IsKind(SyntaxKind.PostIncrementExpression) && id.Identifier.ValueText == variable => 1,
                PrefixUnaryExpressionSyntax { Operand: IdentifierNameSyntax id } p when p.IsKind(SyntaxKind.PreIncrementExpression) && id.Identifier.ValueText == variable => 1,
                AssignmentExpressionSyntax { Left: IdentifierNameSyntax id } a when a.IsKind(SyntaxKind.AddAssignmentExpression) && id.Identifier.ValueText == variable
                    => Constant(a.Right) ?? 0,
                _ => 0,
            };
        }
        if (!ok || step <= 0 || variable is null)
        {
            return Unsupported(loop, "the loop '" + Describe(loop) + "' (a loop must be 'for (var i = a; i < b; i++)' with constant a and b)");
        }
        var iterations = end <= start ? 0 : (end - start + step - 1) / step;
        var bodyStatements = loop.Statement is BlockSyntax block ? block.Statements.ToArray() : [loop.Statement];
        var body = ImmutableArray.CreateBuilder<Stmt>();
        foreach (var statement in bodyStatements)
        {
            if (ParseStatement(statement) is { } parsed) body.Add(parsed);
        }
        if (iterations > MaxUnrolledIterations || iterations * Size(body) > MaxUnrolledStatements)
        {
            return Unsupported(loop, "the loop '" + Describe(loop) + "' (" + iterations.ToString(System.Globalization.CultureInfo.InvariantCulture)
                + " iterations; loops are unrolled, up to " + MaxUnrolledIterations.ToString(System.Globalization.CultureInfo.InvariantCulture)
                + " iterations and " + MaxUnrolledStatements.ToString(System.Globalization.CultureInfo.InvariantCulture) + " statements for now)");
        }
        var loc = locations.Add(loop);
        var unrolled = ImmutableArray.CreateBuilder<Stmt>();
        for (var i = start; i < end; i += step)
        {
            unrolled.Add(new LocalStmt(variable, new NumberExpr(i, loc), loc));
            unrolled.AddRange(body);
        }
        return new BlockStmt(unrolled.ToImmutable(), loc);
    }

    /// <summary>Statements a body unrolls to (nested loops already unrolled).</summary>
    private static long Size(IEnumerable<Stmt> statements)
    {
        long size = 0;
        foreach (var statement in statements) size += statement is BlockStmt block ? Size(block.Statements) : 1;
        return size;
    }

    private Expr? ParseNested(ExpressionSyntax expression)
    {
        switch (expression)
        {
            case LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.NumericLiteralExpression):
                return new NumberExpr(System.Convert.ToDouble(literal.Token.Value, System.Globalization.CultureInfo.InvariantCulture), locations.Add(literal));

            case LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.TrueLiteralExpression) || literal.IsKind(SyntaxKind.FalseLiteralExpression):
                return new BoolExpr(literal.IsKind(SyntaxKind.TrueLiteralExpression), locations.Add(literal));

            case LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.StringLiteralExpression):
                return new StringExpr(literal.Token.ValueText, locations.Add(literal));

            case CollectionExpressionSyntax collection:
                return ParseList(collection, collection.Elements.Select(e => e is ExpressionElementSyntax element ? element.Expression : null));

            case ImplicitArrayCreationExpressionSyntax array:
                return ParseList(array, array.Initializer.Expressions.Select(e => (ExpressionSyntax?)e));

            case ArrayCreationExpressionSyntax { Initializer: { } initializer } array:
                return ParseList(array, initializer.Expressions.Select(e => (ExpressionSyntax?)e));

            // A C# constant (const field, const of another type: BatchSize, Config.Width) is its value.
            case IdentifierNameSyntax or MemberAccessExpressionSyntax when NamedConstant(expression) is { } named:
                return new NumberExpr(named, locations.Add(expression));

            case IdentifierNameSyntax identifier when !SyntaxFacts.IsValidIdentifier(identifier.Identifier.ValueText):
                return null;

            case IdentifierNameSyntax identifier:
                return new NameExpr(identifier.Identifier.ValueText, locations.Add(identifier));

            case MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } thisAccess:
                return new NameExpr(thisAccess.Name.Identifier.ValueText, locations.Add(thisAccess));

            case MemberAccessExpressionSyntax member when MemberPath(member) is { } path:
                return new MemberExpr(path, locations.Add(member));

            case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.UnaryMinusExpression):
            {
                var operand = ParseExpression(unary.Operand);
                return operand is null ? null : new UnaryExpr(UnaryOperator.Negate, operand, locations.Add(unary));
            }
            case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.UnaryPlusExpression):
                return ParseExpression(unary.Operand);

            case BinaryExpressionSyntax binary when BinaryOperatorOf(binary) is not null:
                return ParseBinaryChain(binary);

            case InvocationExpressionSyntax invocation:
                return ParseInvocation(invocation);

            default:
                return ParseConditionExpression(expression);
        }
    }

    /// <summary>
    /// A binary expression and the binary expressions down its left side (<c>a + b + c + ...</c>, which
    /// C# nests to the left) parsed in a loop, in the order recursion would (left, right, node), so a
    /// sum of any length takes no stack.
    /// </summary>
    private Expr? ParseBinaryChain(BinaryExpressionSyntax top)
    {
        var spine = new Stack<(BinaryExpressionSyntax Syntax, BinaryOperator Operator)>();
        ExpressionSyntax expression = top;
        while (expression is BinaryExpressionSyntax binary && BinaryOperatorOf(binary) is { } op)
        {
            spine.Push((binary, op));
            expression = binary.Left;
        }
        var value = ParseExpression(expression);
        // Every binary of the chain starts where its leftmost operand does. binary.GetLocation() would
        // find that start by walking down the chain again (Roslyn's Span: quadratic over the chain).
        var start = expression.SpanStart;
        while (spine.Count > 0)
        {
            token.ThrowIfCancellationRequested();
            var (binary, op) = spine.Pop();
            var right = ParseExpression(binary.Right);
            value = value is null || right is null ? null
                : new BinaryExpr(op, value, right, locations.Add(Location.Create(binary.SyntaxTree, TextSpan.FromBounds(start, binary.Right.Span.End))));
        }
        return value;
    }

    private Expr? ParseInvocation(InvocationExpressionSyntax invocation)
    {
        foreach (var argument in invocation.ArgumentList.Arguments)
        {
            if (!argument.RefKindKeyword.IsKind(SyntaxKind.None))
            {
                Unsupported(argument, "the argument '" + Describe(argument) + "' (pass values, not ref/out/in)");
                return null;
            }
        }

        if (invocation.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Size", Expression: IdentifierNameSyntax } sizeAccess) return ParseSize(invocation, sizeAccess);

        // Net.Forward(x), Net.Encoder.Forward(x): a sub-model's Forward.
        if (invocation.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Forward" } forward
            && forward.Expression is not ThisExpressionSyntax
            && ReceiverPath(forward.Expression) is { } receiver)
        {
            var arguments = ParseArguments(invocation.ArgumentList);
            return arguments is null ? null : new ForwardCallExpr(receiver, arguments.Value, locations.Add(invocation));
        }

        // Frozen(Critic).Forward(x): the model's Forward with its parameters as constants.
        if (invocation.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Forward", Expression: InvocationExpressionSyntax frozen } frozenForward
            && frozen.Expression is IdentifierNameSyntax { Identifier.ValueText: "Frozen" } or MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Frozen" }
            && frozen.ArgumentList.Arguments.Count == 1 && ReceiverPath(frozen.ArgumentList.Arguments[0].Expression) is { } frozenReceiver)
        {
            var arguments = ParseArguments(invocation.ArgumentList);
            return arguments is null ? null : new ForwardCallExpr(frozenReceiver, arguments.Value, locations.Add(invocation), Frozen: true);
        }

        string? name = invocation.Expression switch
        {
            IdentifierNameSyntax id => id.Identifier.ValueText,
            MemberAccessExpressionSyntax { Name: IdentifierNameSyntax id } => id.Identifier.ValueText,
            _ => null,
        };
        if (name is null)
        {
            Unsupported(invocation, "the call '" + Describe(invocation) + "'");
            return null;
        }

        // A call that binds to a method outside Dsl.Ops is not something the generator can see
        // through. An unbound call (a function the runtime lacks, or a typo) is left to the
        // compiler's own error and to the op table, which names what is supported.
        var method = OpsTarget(invocation) ?? Index().Target(invocation);
        if (method is null)
        {
            ExpressionQueries++;
            var symbolInfo = _model.GetSymbolInfo(invocation, token);
            method = symbolInfo.Symbol as IMethodSymbol;
            if (method is null && symbolInfo.CandidateSymbols.Length > 0) method = symbolInfo.CandidateSymbols[0] as IMethodSymbol;
        }
        if (IsTensorSize(invocation, method)) return ParseTensorSize(invocation);
        if (method is not null && method.ContainingType?.ToDisplayString() != OpsTypeName)
        {
            var reported = diagnostics.Count;
            if (ParseUserCall(invocation, method) is { } user) return user;
            if (diagnostics.Count > reported) return null;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticCatalog.UnknownFunction, LocationInfo.From(invocation),
                method.ContainingType?.Name + "." + method.Name, Functions.SupportedFunctionList));
            return null;
        }
        if (invocation.Expression is MemberAccessExpressionSyntax { Expression: var qualifier } && method is null
            && qualifier.ToString() is not ("Ops" or "Dsl.Ops" or "global::Dsl.Ops"))
        {
            Unsupported(invocation, "the call '" + Describe(invocation) + "'");
            return null;
        }

        var args = ParseArguments(invocation.ArgumentList, allowNamed: true);
        return args is null ? null : new CallExpr(name, args.Value, locations.Add(invocation));
    }

    /// <summary>
    /// A user function: a static <c>[Differentiable]</c> one is parsed from its declaration and
    /// inlined; a static one with a <c>[Derivative(nameof(F))]</c> rule beside it (in its class)
    /// becomes a custom op. Anything else: null (the caller reports DSL0004).
    /// </summary>
    private Expr? ParseUserCall(InvocationExpressionSyntax invocation, IMethodSymbol method)
    {
        if (!method.IsStatic || method.ReturnType.ToDisplayString() != "Dsl.Tensor") return null;
        var tensorOnly = method.Parameters.All(p => p.Type.ToDisplayString() == "Dsl.Tensor");
        if (HasAttribute(method, DifferentiableAttribute))
        {
            if (depth >= MaxInlineDepth)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticCatalog.UnsupportedSyntax, LocationInfo.From(invocation),
                    "Calling " + method.Name + " inside itself (a [Differentiable] function is inlined, so it may not recurse)", methodName, BodyKinds.Allowed(kind)));
                return null;
            }
            if (method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(token) is not MethodDeclarationSyntax declaration) return null;
            var arguments = ParseArguments(invocation.ArgumentList);
            if (arguments is null) return null;
            var model = declaration.SyntaxTree == _model.SyntaxTree ? _model : WithoutNullableAnalysis(_model, declaration.SyntaxTree);
            var body = new BodyParser(model, locations, diagnostics, method.Name, BodyKind.Differentiable, token, depth + 1).Parse(declaration);
            var parameters = method.Parameters.Select(p => p.Name).ToImmutableArray();
            return new InlineCallExpr(method.Name, parameters, body, arguments.Value, locations.Add(invocation));
        }
        var rule = method.ContainingType.GetMembers().OfType<IMethodSymbol>().FirstOrDefault(m => m.IsStatic
            && m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == DerivativeAttribute
                && a.ConstructorArguments.Length == 1 && a.ConstructorArguments[0].Value as string == method.Name));
        if (rule is null) return null;
        if (!tensorOnly || method.Parameters.Length != 1 || rule.Parameters.Length != 2 || rule.ReturnType.ToDisplayString() != "Dsl.Tensor"
            || rule.Parameters.Any(p => p.Type.ToDisplayString() != "Dsl.Tensor"))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticCatalog.UnsupportedSyntax, LocationInfo.From(invocation),
                "Calling " + method.Name + " (a function with a [Derivative] rule takes one Tensor and returns one of its shape; the rule is 'static Tensor "
                + rule.Name + "(Tensor x, Tensor gradOutput)')", methodName, BodyKinds.Allowed(kind)));
            return null;
        }
        var args = ParseArguments(invocation.ArgumentList);
        if (args is null) return null;
        var format = SymbolDisplayFormat.FullyQualifiedFormat;
        return new CustomCallExpr(method.Name, method.ContainingType.ToDisplayString(format) + "." + method.Name,
            rule.ContainingType.ToDisplayString(format) + "." + rule.Name, args.Value, locations.Add(invocation));
    }

    private static bool HasAttribute(ISymbol symbol, string name) => symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == name);

    /// <summary>The arguments of a call; named ones only for the language's functions (<paramref name="allowNamed"/>).</summary>
    private EquatableArray<Expr>? ParseArguments(ArgumentListSyntax list, bool allowNamed = false)
    {
        var builder = ImmutableArray.CreateBuilder<Expr>(list.Arguments.Count);
        var ok = true;
        foreach (var argument in list.Arguments)
        {
            if (argument.NameColon is not null && !allowNamed)
            {
                Unsupported(argument, "the argument '" + Describe(argument) + "' (pass plain positional arguments)");
                ok = false;
                continue;
            }
            var value = ParseExpression(argument.Expression);
            if (value is null) ok = false;
            else builder.Add(argument.NameColon is { } name ? new NamedExpr(name.Name.Identifier.ValueText, value, locations.Add(argument)) : value);
        }
        return ok ? builder.MoveToImmutable() : null;
    }

    /// <summary>A list of values: <c>[1, 2]</c>, <c>new[] { a, b }</c>, <c>new long[] { 1, 2 }</c> (no spreads).</summary>
    private Expr? ParseList(ExpressionSyntax syntax, IEnumerable<ExpressionSyntax?> items)
    {
        var builder = ImmutableArray.CreateBuilder<Expr>();
        var ok = true;
        foreach (var item in items)
        {
            if (item is null)
            {
                Unsupported(syntax, "the list '" + Describe(syntax) + "' (write the items themselves, no spreads)");
                return null;
            }
            var value = ParseExpression(item);
            if (value is null) ok = false;
            else builder.Add(value);
        }
        return ok ? new ListExpr(builder.ToImmutable(), locations.Add(syntax)) : null;
    }

    private static EquatableArray<string>? MemberPath(MemberAccessExpressionSyntax member)
    {
        if (!member.IsKind(SyntaxKind.SimpleMemberAccessExpression)) return null;
        var receiver = ReceiverPath(member.Expression);
        return receiver is null ? null : receiver.Value.AsImmutableArray().Add(member.Name.Identifier.ValueText);
    }

    private static EquatableArray<string>? ReceiverPath(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax id => EquatableArray.Create(id.Identifier.ValueText),
        MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } m => EquatableArray.Create(m.Name.Identifier.ValueText),
        MemberAccessExpressionSyntax m when m.IsKind(SyntaxKind.SimpleMemberAccessExpression) && m.Name is IdentifierNameSyntax
            => MemberPath(m),
        _ => null,
    };

    private static BinaryOperator? BinaryOperatorOf(BinaryExpressionSyntax binary) => binary.Kind() switch
    {
        SyntaxKind.AddExpression => BinaryOperator.Add,
        SyntaxKind.SubtractExpression => BinaryOperator.Subtract,
        SyntaxKind.MultiplyExpression => BinaryOperator.Multiply,
        SyntaxKind.DivideExpression => BinaryOperator.Divide,
        _ => null,
    };

    private Stmt? Unsupported(SyntaxNode node, string what)
    {
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticCatalog.UnsupportedSyntax, LocationInfo.From(node), Capitalize(what) + ArgumentOf(node), methodName, BodyKinds.Allowed(kind)));
        return null;
    }

    /// <summary>" (an argument of Reshape)" when the construct is an argument of a call: the message names the function it was given to.</summary>
    private static string ArgumentOf(SyntaxNode node)
    {
        if (node is not ExpressionSyntax || node.Parent is not ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax call } }) return "";
        var callee = call.Expression switch
        {
            IdentifierNameSyntax id => id.Identifier.ValueText,
            MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
            _ => null,
        };
        return callee is null ? "" : " (an argument of " + callee + ")";
    }

    private static string Capitalize(string text) => Naming.UpperFirst(text);

    /// <summary>The node's text on one line, shortened, for messages.</summary>
    internal static string Describe(SyntaxNode node)
    {
        var text = System.Text.RegularExpressions.Regex.Replace(node.ToString(), @"\s+", " ").Trim();
        return text.Length <= 60 ? text : text.Substring(0, 57) + "...";
    }

    private static string DescribeKind(SyntaxNode node) => node switch
    {
        IfStatementSyntax => "the 'if' statement",
        ForStatementSyntax or ForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax => "the loop",
        ExpressionStatementSyntax => "the statement",
        ConditionalExpressionSyntax => "the conditional expression",
        LambdaExpressionSyntax => "the lambda",
        CastExpressionSyntax => "the cast",
        ObjectCreationExpressionSyntax or ImplicitObjectCreationExpressionSyntax => "the object creation",
        LiteralExpressionSyntax => "the literal",
        CollectionExpressionSyntax => "the collection expression",
        ArrayCreationExpressionSyntax or ImplicitArrayCreationExpressionSyntax => "the array creation",
        InterpolatedStringExpressionSyntax => "the string",
        SwitchExpressionSyntax => "the switch expression",
        IsPatternExpressionSyntax => "the pattern test",
        SwitchStatementSyntax => "the 'switch' statement",
        TryStatementSyntax => "the 'try' statement",
        ThrowStatementSyntax or ThrowExpressionSyntax => "the 'throw'",
        UsingStatementSyntax => "the 'using' statement",
        LocalFunctionStatementSyntax => "the local function",
        ReturnStatementSyntax => "the 'return' without a value",
        ElementAccessExpressionSyntax => "the indexer",
        BinaryExpressionSyntax => "the operator",
        PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax => "the operator",
        AssignmentExpressionSyntax => "the assignment",
        _ => "the expression",
    };
}
