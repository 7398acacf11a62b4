using static TorchSharp.torch;

namespace GoogLeNet.Data;

/// <summary>What loading an image folder found besides the pictures it used.</summary>
/// <param name="Skipped">Pictures that did not decode and were left out (only with skipping asked for).</param>
/// <param name="FirstSkipped">The first of them and why, or null.</param>
/// <param name="GreyAsRgb">Grey pictures in a folder that also has colour ones, used as RGB (the same grey in all three channels).</param>
/// <param name="Resized">True when the pictures differ in size and were each resized to the training size as they were decoded.</param>
public sealed record ImageFolderReport(int Skipped, string? FirstSkipped, int GreyAsRgb, bool Resized);

/// <summary>
/// Datasets of picture files, one folder per class (class names are the folder names, sorted): either
/// <c>DIR/train/&lt;class&gt;/*</c> and <c>DIR/test/&lt;class&gt;/*</c>, or <c>DIR/&lt;class&gt;/*</c> split into training and test
/// pictures by a fraction and a seed. Every picture is decoded once, here, and held in memory as bytes; an epoch reads
/// no file. Pictures of one size are kept at it (the batches are resized as IDX images are); pictures of different
/// sizes are each resized to the training size when decoded. Grey pictures give a 1-channel dataset; if any picture
/// has colour, all are used as RGB. Within a split the pictures are taken in the order of their file names (then of
/// their classes), so a folder written from an IDX file with numbered names holds the IDX order.
/// </summary>
public static class ImageFolder
{
    /// <summary>The file extensions read as pictures (case-insensitive).</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"];

    private const string Formats = "PNG, JPEG, GIF, BMP, WebP";

    /// <summary>True when <paramref name="directory"/> holds folders and no IDX files: an image folder, well-formed or not.</summary>
    /// <param name="directory">The folder given as the data.</param>
    public static bool IsImageFolder(string directory) =>
        Directory.Exists(directory)
        && !Directory.EnumerateFiles(directory).Any(f => Path.GetFileName(f).Contains("-idx", StringComparison.Ordinal))
        && Directory.EnumerateDirectories(directory).Any();

    /// <summary>Loads the training and test pictures of an image folder.</summary>
    /// <param name="directory">The folder: with <c>train</c> and <c>test</c> inside, or with the class folders themselves.</param>
    /// <param name="resize">The training size: pictures of different sizes are resized to it as they are decoded.</param>
    /// <param name="valSplit">For a folder of class folders: the fraction of its pictures to test on (above 0, below 1); null for a
    /// folder with <c>train</c> and <c>test</c>.</param>
    /// <param name="seed">Draws the test pictures of the split.</param>
    /// <param name="skipBadImages">Leave out pictures that do not decode (counted in the report) instead of stopping at the first.</param>
    /// <param name="trainLimit">Use only the first this many training pictures.</param>
    /// <param name="testLimit">Use only the first this many test pictures.</param>
    /// <exception cref="DataFileException">The folder's layout or a picture is not usable; the message names the folder or file.</exception>
    /// <exception cref="InvalidSettingException"><paramref name="valSplit"/> is out of range or does not fit the layout.</exception>
    public static (ImageDataset Train, ImageDataset Test, ImageFolderReport Report) Load(string directory, int resize, double? valSplit = null,
        int seed = 1, bool skipBadImages = false, int? trainLimit = null, int? testLimit = null)
    {
        var (train, test, report) = Load(directory, resize, valSplit, seed, skipBadImages, trainLimit, testLimit, testOnly: false, channels: null);
        return (train!, test, report);
    }

    /// <summary>
    /// Loads only the test pictures of an image folder, as <see cref="Load(string, int, double?, int, bool, int?, int?)"/> splits it
    /// (the same <paramref name="valSplit"/> and <paramref name="seed"/> give the same test pictures), for a model that was trained on it.
    /// </summary>
    /// <param name="directory">The folder: with <c>train</c> and <c>test</c> inside, or with the class folders themselves.</param>
    /// <param name="resize">The model's input size: pictures of different sizes are resized to it as they are decoded.</param>
    /// <param name="channels">The model's channels: 3 makes grey pictures RGB; 1 refuses colour pictures.</param>
    /// <param name="valSplit">For a folder of class folders: the fraction the training run tested on; null for a folder with <c>test</c>.</param>
    /// <param name="seed">The training run's seed, which drew its test pictures.</param>
    /// <param name="skipBadImages">Leave out pictures that do not decode (counted in the report) instead of stopping at the first.</param>
    /// <param name="testLimit">Use only the first this many test pictures.</param>
    /// <exception cref="DataFileException">The folder's layout or a picture is not usable; the message names the folder or file.</exception>
    /// <exception cref="InvalidSettingException"><paramref name="valSplit"/> is out of range or does not fit the layout.</exception>
    public static (ImageDataset Test, ImageFolderReport Report) LoadTest(string directory, int resize, int channels, double? valSplit = null,
        int seed = 1, bool skipBadImages = false, int? testLimit = null)
    {
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "1 (grey) or 3 (RGB)");
        var (_, test, report) = Load(directory, resize, valSplit, seed, skipBadImages, null, testLimit, testOnly: true, channels);
        return (test, report);
    }

    private static (ImageDataset? Train, ImageDataset Test, ImageFolderReport Report) Load(string directory, int resize, double? valSplit,
        int seed, bool skipBadImages, int? trainLimit, int? testLimit, bool testOnly, int? channels)
    {
        OptionLimits.Side(resize, "ImageFolder.Load(resize)");
        if (!Directory.Exists(directory))
            throw new DataFileException(directory, "is not a folder");
        string trainDir = Path.Combine(directory, "train"), testDir = Path.Combine(directory, "test");
        List<string> classes;
        List<(string File, int Label)> trainFiles, testFiles;
        if (Directory.Exists(trainDir))
        {
            if (valSplit is not null)
                throw new InvalidSettingException($"ImageFolder.Load(valSplit) applies to a folder of class folders; {directory} has its own train and test folders");
            if (!Directory.Exists(testDir))
                throw new DataFileException(directory, "has a train folder but no test folder beside it");
            classes = ClassFolders(trainDir);
            var testClasses = ClassFolders(testDir);
            if (!classes.SequenceEqual(testClasses, StringComparer.Ordinal))
            {
                var missing = classes.Except(testClasses, StringComparer.Ordinal).ToList();
                var extra = testClasses.Except(classes, StringComparer.Ordinal).ToList();
                throw new DataFileException(testDir, "has other classes than " + trainDir
                    + (missing.Count > 0 ? $" (no {string.Join(", ", missing)})" : "") + (extra.Count > 0 ? $" (also {string.Join(", ", extra)})" : ""));
            }
            trainFiles = Pictures(trainDir, classes);
            testFiles = Pictures(testDir, classes);
        }
        else
        {
            if (valSplit is null)
                throw new InvalidSettingException(
                    $"{directory} has no train and test folders: set ImageFolder.Load(valSplit) to a fraction of its pictures to test on");
            if (!(valSplit > 0 && valSplit < 1))
                throw new InvalidSettingException($"ImageFolder.Load(valSplit) must be above 0 and below 1, got {valSplit}");
            classes = ClassFolders(directory);
            var all = Pictures(directory, classes);
            int testCount = (int)Math.Round(all.Count * valSplit.Value);
            if (testCount < 1 || testCount >= all.Count)
                throw new InvalidSettingException(
                    $"ImageFolder.Load(valSplit) {valSplit} of {all.Count} pictures leaves {(testCount < 1 ? "none to test on" : "none to train on")}");
            var order = Enumerable.Range(0, all.Count).ToArray();
            new Random(seed).Shuffle(order);
            var testSet = order.Take(testCount).ToHashSet();
            trainFiles = Enumerable.Range(0, all.Count).Where(i => !testSet.Contains(i)).Select(i => all[i]).ToList();
            testFiles = Enumerable.Range(0, all.Count).Where(testSet.Contains).Select(i => all[i]).ToList();
        }
        if (testOnly)
            trainFiles = [];
        else if (trainLimit is int tl)
            trainFiles = trainFiles.Take(tl).ToList();
        if (testLimit is int sl)
            testFiles = testFiles.Take(sl).ToList();

        var decoded = Decode([.. trainFiles, .. testFiles], skipBadImages, out int skipped, out string? firstSkipped);
        var trainPictures = decoded.Take(trainFiles.Count).Where(p => p.Image is not null).ToList();
        var testPictures = decoded.Skip(trainFiles.Count).Where(p => p.Image is not null).ToList();
        if ((trainPictures.Count == 0 && !testOnly) || testPictures.Count == 0)
            throw new DataFileException(directory, $"no {(testPictures.Count > 0 ? "training" : "test")} picture decodes");

        var used = trainPictures.Concat(testPictures).Select(p => p.Image!).ToList();
        if (channels == 1 && testPictures.FirstOrDefault(p => !p.Image!.IsGrey) is { } colour)
            throw new DataFileException(colour.File, "is a colour picture, but the model takes grey ones");
        int inChannels = channels ?? (used.All(p => p.IsGrey) ? 1 : 3);
        int greyAsRgb = inChannels == 3 ? used.Count(p => p.IsGrey) : 0;
        var first = used[0];
        bool resized = used.Any(p => p.Width != first.Width || p.Height != first.Height);
        var (rows, cols) = resized ? (resize, resize) : (first.Height, first.Width);
        var report = new ImageFolderReport(skipped, firstSkipped, greyAsRgb, resized);
        return (testOnly ? null : Dataset(trainPictures, inChannels, rows, cols, classes), Dataset(testPictures, inChannels, rows, cols, classes), report);
    }

    /// <summary>The class folders of <paramref name="directory"/>, sorted; each must hold a picture, and there must be two or more.</summary>
    private static List<string> ClassFolders(string directory)
    {
        var classes = Directory.EnumerateDirectories(directory).Select(Path.GetFileName).OfType<string>()
            .Where(name => !name.StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        if (classes.Count == 0)
            throw new DataFileException(directory, Directory.EnumerateFiles(directory).Any(IsPicture)
                ? "has pictures but no class folders (put each class's pictures in a folder named after it)"
                : $"has no class folders and no pictures ({Formats})");
        foreach (var name in classes)
        {
            string folder = Path.Combine(directory, name);
            if (!Directory.EnumerateFiles(folder).Any(IsPicture))
                throw new DataFileException(folder, $"class folder has no pictures ({Formats})");
        }
        if (classes.Count == 1)
            throw new DataFileException(directory, $"has only one class folder ({classes[0]}); a classifier needs two or more");
        if (classes.Count > 256)
            throw new DataFileException(directory, $"has {classes.Count} class folders; at most 256 classes are supported");
        return classes;
    }

    private static bool IsPicture(string file) => Extensions.Contains(Path.GetExtension(file).ToLowerInvariant());

    /// <summary>Every picture of the class folders, in the order of file names, then of classes.</summary>
    private static List<(string File, int Label)> Pictures(string directory, List<string> classes) =>
        classes.SelectMany((name, label) => Directory.EnumerateFiles(Path.Combine(directory, name)).Where(IsPicture).Select(f => (File: f, Label: label)))
            .OrderBy(p => Path.GetFileName(p.File), StringComparer.Ordinal).ThenBy(p => p.Label).ToList();

    private sealed record Decoded(string File, int Label, ColourImage? Image);

    private static List<Decoded> Decode(List<(string File, int Label)> files, bool skipBad, out int skipped, out string? firstSkipped)
    {
        var results = new Decoded[files.Count];
        var errors = new DataFileException?[files.Count];
        Parallel.For(0, files.Count, i =>
        {
            try
            {
                results[i] = new Decoded(files[i].File, files[i].Label, ImageFiles.ReadColour(files[i].File));
            }
            catch (DataFileException e)
            {
                errors[i] = e;
                results[i] = new Decoded(files[i].File, files[i].Label, null);
            }
        });
        int firstBad = Array.FindIndex(errors, e => e is not null);
        if (firstBad >= 0 && !skipBad)
            throw errors[firstBad]!;
        skipped = errors.Count(e => e is not null);
        firstSkipped = firstBad >= 0 ? errors[firstBad]!.Message : null;
        return [.. results];
    }

    private static ImageDataset Dataset(List<Decoded> pictures, int channels, int rows, int cols, List<string> classes)
    {
        int size = channels * rows * cols;
        var images = new byte[(long)pictures.Count * size];
        var labels = new byte[pictures.Count];
        for (int i = 0; i < pictures.Count; i++)
        {
            var image = pictures[i].Image!;
            // Pictures of other sizes than the first are there only when all were to be resized to a square.
            byte[] pixels = image.Width == cols && image.Height == rows ? image.Pixels : Resized(image, rows);
            int plane = rows * cols;
            // A grey picture's three planes are equal: the first is the grey one.
            Array.Copy(pixels, 0, images, (long)i * size, channels == 1 ? plane : 3 * plane);
            labels[i] = (byte)pictures[i].Label;
        }
        return new ImageDataset(images, labels, rows, cols, classes.Count, classes, channels);
    }

    /// <summary>A picture's three planes resized to size x size, as batches are resized (bilinear, antialiased when shrinking).</summary>
    private static byte[] Resized(ColourImage image, int size)
    {
        using var scope = NewDisposeScope();
        var bytes = tensor(image.Pixels, [1, 3, image.Height, image.Width], ScalarType.Byte);
        var input = Preprocessing.ToModelInput(bytes, size);
        return (input * 255).round().clamp(0, 255).to_type(ScalarType.Byte).contiguous().data<byte>().ToArray();
    }
}
