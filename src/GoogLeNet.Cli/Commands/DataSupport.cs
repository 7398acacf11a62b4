using GoogLeNet.Cli.Rendering;
using GoogLeNet.Data;
using Spectre.Console;

namespace GoogLeNet.Cli.Commands;

/// <summary>Finding the data for a verb: an image folder, or Fashion-MNIST's IDX files (fetched when no copy is found).</summary>
internal static class DataSupport
{
    /// <summary>
    /// The training and test data of a run: an image folder when <paramref name="dataOption"/> is one, else the IDX files
    /// (found or fetched). What loading a folder found besides the pictures is said on standard error, once.
    /// </summary>
    public static (string Directory, ImageDataset Train, ImageDataset Test) LoadTraining(string? dataOption, Training.TrainOptions options)
    {
        if (dataOption is not null && ImageFolder.IsImageFolder(dataOption))
        {
            var (train, test, report) = ImageFolder.Load(dataOption, options.Resize, options.ValSplit, options.Seed, options.SkipBadImages,
                options.TrainLimit, options.TestLimit);
            Say(dataOption, train, report);
            return (dataOption, train, test);
        }
        if (options.ValSplit is not null)
            throw new GoogLeNetException("--val-split applies only to --data FOLDER of class folders");
        string dir = FindOrFetch(dataOption);
        var (idxTrain, idxTest) = FashionMnist.LoadBoth(dir, options.TrainLimit, options.TestLimit);
        return (dir, idxTrain, idxTest);
    }

    /// <summary>
    /// The test data for a trained model: the test pictures of an image folder when <paramref name="dataOption"/> is one (split as
    /// its training run split them), else the test split of the IDX files (found or fetched); its classes must be the model's.
    /// </summary>
    public static ImageDataset LoadTest(string? dataOption, ModelSource source, int? limit)
    {
        var model = source.Model;
        if (dataOption is not null && ImageFolder.IsImageFolder(dataOption))
        {
            var trained = source.Checkpoint?.Metadata.Options;
            var (test, report) = ImageFolder.LoadTest(dataOption, source.ImageSize, model.InChannels, trained?.ValSplit, trained?.Seed ?? 1,
                trained?.SkipBadImages ?? false, limit);
            if (!test.ClassNames.SequenceEqual(source.Labels, StringComparer.Ordinal))
                throw new DataFileException(dataOption, $"its classes ({ImageDataset.ShortList(test.ClassNames)}) are not those of {source.Description} ({ImageDataset.ShortList(source.Labels)})");
            Say(dataOption, test, report);
            return test;
        }
        string dir = FindOrFetch(dataOption);
        var classes = FashionMnist.Classes(dir);
        string use = dir == FashionMnist.SystemDirectory || dataOption is null ? "Fashion-MNIST" : $"the IDX set in {dir}";
        if (source.Checkpoint is { } checkpoint)
            checkpoint.RequireFits(1, classes.Count, use);
        else if (model.InChannels != 1 || model.NumClasses != classes.Count)
            throw new GoogLeNetException($"{source.Description} is for {model.InChannels}-channel images and {model.NumClasses} classes; {use} needs 1 channel and {classes.Count} classes");
        return FashionMnist.Load(dir, train: false, limit, source.Labels, source.Description);
    }

    /// <summary>
    /// The first training images of the data <see cref="LoadTest"/> reads the test set of, for calibrating an int8 graph:
    /// never the pictures it is then evaluated on.
    /// </summary>
    public static ImageDataset LoadCalibration(string? dataOption, ModelSource source)
    {
        int count = Inference.OnnxRuntimeClassifier.CalibrationImages;
        if (dataOption is not null && ImageFolder.IsImageFolder(dataOption))
        {
            var trained = source.Checkpoint?.Metadata.Options;
            var (train, _, _) = ImageFolder.Load(dataOption, source.ImageSize, trained?.ValSplit, trained?.Seed ?? 1, skipBadImages: true,
                trainLimit: count, testLimit: 1);
            return train;
        }
        return FashionMnist.Load(FindOrFetch(dataOption), train: true, count, source.Labels, source.Description);
    }

    private static void Say(string directory, ImageDataset train, ImageFolderReport report)
    {
        Console.Error.WriteLine($"{directory}: {train.NumClasses} classes ({ImageDataset.ShortList(train.ClassNames)}), "
            + $"{(train.Channels == 1 ? "grey" : "RGB")} pictures{(report.Resized ? $" of different sizes, each resized to {train.Rows}x{train.Cols}" : $" of {train.Cols}x{train.Rows}")}");
        if (report.GreyAsRgb > 0)
            Console.Error.WriteLine($"googlenet: note: {report.GreyAsRgb:N0} grey picture{(report.GreyAsRgb == 1 ? " is" : "s are")} among colour ones: used as RGB (grey in all three channels)");
        if (report.Skipped > 0)
            Console.Error.WriteLine($"googlenet: warning: skipped {report.Skipped:N0} picture{(report.Skipped == 1 ? "" : "s")} that do not decode (--skip-bad-images); the first: {report.FirstSkipped}");
    }

    /// <summary>The folder holding the four files: found, or downloaded into the user cache with progress.</summary>
    public static string FindOrFetch(string? dataOption)
    {
        var found = FashionMnist.Locate(dataOption);
        if (found is not null)
            return found.Directory;

        string target = FashionMnist.CacheDirectory;
        Console.Error.WriteLine($"Fashion-MNIST not found locally ({FashionMnist.SearchedDescription()}); downloading to {target}");
        if (Console.IsErrorRedirected || !Terminal.CanRedraw)
        {
            string last = "";
            var progress = new SynchronousProgress<(string File, long Bytes, long? Total)>(p =>
            {
                if (p.Total is { } total && p.Bytes == total && last != p.File)
                {
                    last = p.File;
                    Console.Error.WriteLine($"  {p.File}: {total / 1e6:F1} MB");
                }
            });
            FashionMnist.DownloadAsync(target, progress).GetAwaiter().GetResult();
        }
        else
        {
            AnsiConsole.Progress().Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var progress = new SynchronousProgress<(string File, long Bytes, long? Total)>(p =>
                {
                    if (!tasks.TryGetValue(p.File, out var task))
                        tasks[p.File] = task = ctx.AddTask(p.File, maxValue: p.Total ?? 1);
                    task.Value = p.Bytes;
                });
                FashionMnist.DownloadAsync(target, progress).GetAwaiter().GetResult();
            });
        }
        return target;
    }
}
