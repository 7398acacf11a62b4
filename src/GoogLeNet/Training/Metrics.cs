using System.Globalization;
using System.Text;

namespace GoogLeNet.Training;

/// <summary>
/// One point of the book's training plot: at a fractional epoch, the running train loss and accuracy
/// (five times per epoch) or the test accuracy (once per epoch, at its end).
/// </summary>
public sealed record MetricPoint(double Epoch, double? TrainLoss, double? TrainAcc, double? TestAcc);

/// <summary>The results of one finished epoch.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's steps, weighted by their examples.</param>
/// <param name="TrainAcc">Fraction of the epoch's training examples that their step classified correctly, 0 to 1.</param>
/// <param name="TestLoss">Mean cross-entropy on the test data after the epoch.</param>
/// <param name="TestAcc">Test accuracy after the epoch, 0 to 1.</param>
/// <param name="TrainSeconds">Time spent in training steps (forward, loss, backward, update), data loading excluded.</param>
/// <param name="TrainExamples">Examples seen in those steps.</param>
/// <param name="WallSeconds">Whole epoch with its test evaluation, up to its checkpoint (the checkpoint records it, so cannot include its own writing).</param>
public sealed record EpochResult(int Epoch, double TrainLoss, double TrainAcc, double TestLoss, double TestAcc,
    double TrainSeconds, long TrainExamples, double WallSeconds);

/// <summary>Writes the plot points as CSV: <c>epoch,train_loss,train_acc,test_acc</c>.</summary>
public static class MetricsCsv
{
    /// <summary>The file's first line.</summary>
    public const string Header = "epoch,train_loss,train_acc,test_acc";

    /// <summary>
    /// The header and one line per point, each ending in a newline: numbers in the invariant culture at full (round-trip)
    /// precision, an empty field for a value the point does not have.
    /// </summary>
    public static string Format(IEnumerable<MetricPoint> points)
    {
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var p in points)
            sb.Append(Number(p.Epoch)).Append(',').Append(Number(p.TrainLoss)).Append(',')
              .Append(Number(p.TrainAcc)).Append(',').Append(Number(p.TestAcc)).Append('\n');
        return sb.ToString();
    }

    /// <summary>The points of CSV text that <see cref="Format"/> wrote; the first line is skipped as the header.</summary>
    /// <exception cref="FormatException">A field is not a number.</exception>
    /// <exception cref="IndexOutOfRangeException">A line has fewer than four fields.</exception>
    public static IReadOnlyList<MetricPoint> Parse(string csv) =>
        csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line =>
        {
            var f = line.Split(',');
            return new MetricPoint(double.Parse(f[0], CultureInfo.InvariantCulture), Maybe(f[1]), Maybe(f[2]), Maybe(f[3]));
        }).ToList();

    private static string Number(double? v) => v is null ? "" : v.Value.ToString("R", CultureInfo.InvariantCulture);

    private static double? Maybe(string s) => s.Length == 0 ? null : double.Parse(s, CultureInfo.InvariantCulture);
}
