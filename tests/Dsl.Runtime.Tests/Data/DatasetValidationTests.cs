using Xunit;

namespace Dsl.Runtime.Tests.Data;

public sealed class DatasetValidationTests
{
    private static TensorDataset Images(params long[] exampleShape)
    {
        using var images = Tensor.Zeros([4, .. exampleShape]);
        using var labels = Tensor.Zeros([4], DType.Int64);
        return new TensorDataset(("images", images), ("labels", labels));
    }

    [Fact]
    public void Columns_that_fit_the_declarations_pass()
    {
        using var data = Images(28, 28);

        DatasetValidation.CheckColumns(data, [("images", [null, 28, 28], "[Batch, 28, 28]"), ("labels", [null], "[Batch]")]);
        DatasetValidation.CheckColumns(data, [("images", [null, null, 28], "[Batch, Rows, 28]")]);
        DatasetValidation.CheckColumns(data, [("images", [4, 28, 28], "[4, 28, 28]")]); // the batch axis is not checked against Count
    }

    [Fact]
    public void An_example_of_another_rank_names_the_column_and_both_shapes()
    {
        using var data = Images(28, 28);

        var error = Assert.Throws<ArgumentException>(() =>
            DatasetValidation.CheckColumns(data, [("images", [null, 784], "[Batch, 784]"), ("labels", [null], "[Batch]")]));

        Assert.StartsWith("Column 'images' has examples of shape [28, 28] but the loss declares images as [Batch, 784]", error.Message);
    }

    [Fact]
    public void An_example_of_another_size_names_the_column_and_both_shapes()
    {
        using var data = Images(780);

        var error = Assert.Throws<ArgumentException>(() =>
            DatasetValidation.CheckColumns(data, [("images", [null, 784], "[Batch, Inputs]")], declaredBy: "Forward"));

        Assert.StartsWith("Column 'images' has examples of shape [780] but Forward declares images as [Batch, Inputs] (after the batch axis, examples of shape [784])", error.Message);
    }

    [Fact]
    public void A_missing_column_lists_the_columns_there_are()
    {
        using var data = Images(784);

        var error = Assert.Throws<ArgumentException>(() => DatasetValidation.CheckColumns(data, [("targets", [null, 1], "[Batch, 1]")]));

        Assert.StartsWith("The data set has no column 'targets', which the loss declares as [Batch, 1]; its columns are 'images' (examples of shape [784]), 'labels' (examples of shape [])", error.Message);
    }

    [Fact]
    public void A_declaration_without_a_batch_axis_is_an_error()
    {
        using var data = Images(784);

        var error = Assert.Throws<ArgumentException>(() => DatasetValidation.CheckColumns(data, [("labels", [], "scalar")]));

        Assert.Contains("no batch axis", error.Message);
    }
}
