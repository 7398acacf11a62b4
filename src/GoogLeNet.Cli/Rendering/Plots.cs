using GoogLeNet.Training;
using ScottPlot;

namespace GoogLeNet.Cli.Rendering;

/// <summary>The pictures a run leaves behind, drawn with ScottPlot and written atomically.</summary>
internal static class Plots
{
    /// <summary>
    /// The book's training plot: train loss and train accuracy (five points per epoch) and test accuracy
    /// (one per epoch) against the epoch.
    /// </summary>
    public static void WriteCurves(string path, IReadOnlyList<MetricPoint> history, string title)
    {
        var plot = new Plot();
        AddLine(plot, history.Where(p => p.TrainLoss is not null).Select(p => (p.Epoch, p.TrainLoss!.Value)), "train loss", Colors.C0, LinePattern.Solid);
        AddLine(plot, history.Where(p => p.TrainAcc is not null).Select(p => (p.Epoch, p.TrainAcc!.Value)), "train acc", Colors.C1, LinePattern.Dashed);
        AddLine(plot, history.Where(p => p.TestAcc is not null).Select(p => (p.Epoch, p.TestAcc!.Value)), "test acc", Colors.C2, LinePattern.DenselyDashed);
        plot.Title(title);
        plot.XLabel("epoch");
        plot.ShowLegend(Edge.Right); // outside the axes: the curves start at the top right and end there
        double last = Math.Max(1, Math.Ceiling(history.Count == 0 ? 1 : history.Max(p => p.Epoch)));
        plot.Axes.SetLimitsX(0, last);
        Save(plot, path, 720, 420);
    }

    /// <summary>Test accuracy per epoch, one line per compared model.</summary>
    public static void WriteComparison(string path, IReadOnlyList<(string Label, IReadOnlyList<double> TestAcc)> lines, string title)
    {
        var plot = new Plot();
        foreach (var (label, acc) in lines.Where(l => l.TestAcc.Count > 0))
        {
            var line = plot.Add.ScatterLine(Enumerable.Range(1, acc.Count).Select(e => (double)e).ToArray(), acc.ToArray());
            line.LegendText = label;
            line.LineWidth = 2;
            line.MarkerSize = 6;
        }
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("test accuracy");
        plot.ShowLegend(Edge.Right);
        Save(plot, path, 760, 420);
    }

    /// <summary>The confusion matrix as a heat map, true classes down, predicted classes across.</summary>
    public static void WriteConfusion(string path, long[][] confusion, IReadOnlyList<string> labels, string title)
    {
        int k = confusion.Length;
        var share = new double[k, k];
        for (int i = 0; i < k; i++)
        {
            double total = Math.Max(1, confusion[i].Sum());
            for (int j = 0; j < k; j++)
                share[i, j] = confusion[i][j] / total;
        }
        var plot = new Plot();
        var map = plot.Add.Heatmap(share);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
            {
                var text = plot.Add.Text(confusion[i][j].ToString(), j, k - 1 - i);
                text.LabelFontColor = share[i, j] > 0.5 ? Colors.Black : Colors.White;
                text.LabelFontSize = 11;
                text.LabelAlignment = Alignment.MiddleCenter;
            }
        var ticks = Enumerable.Range(0, k).ToArray();
        plot.Axes.Bottom.SetTicks(ticks.Select(t => (double)t).ToArray(), ticks.Select(t => labels[t]).ToArray());
        // Labels hang down and to the left of their column, so the last one stays clear of the colour bar,
        // and the axis is deep enough for the longest of them above its title.
        plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 110;
        plot.Axes.Left.SetTicks(ticks.Select(t => (double)(k - 1 - t)).ToArray(), ticks.Select(t => labels[t]).ToArray());
        plot.Add.ColorBar(map);
        plot.Title(title);
        plot.XLabel("predicted");
        plot.YLabel("true");
        Save(plot, path, 760, 680);
    }

    private static void AddLine(Plot plot, IEnumerable<(double X, double Y)> points, string label, Color color, LinePattern pattern)
    {
        var list = points.ToList();
        if (list.Count == 0)
            return;
        var line = plot.Add.ScatterLine(list.Select(p => p.X).ToArray(), list.Select(p => p.Y).ToArray(), color);
        line.LegendText = label;
        line.LinePattern = pattern;
        line.LineWidth = 2;
        line.MarkerSize = list.Count == 1 ? 6 : 0;
    }

    private static void Save(Plot plot, string path, int width, int height)
    {
        byte[] png = plot.GetImageBytes(width, height, ImageFormat.Png);
        AtomicFile.Write(path, s => s.Write(png));
    }
}
