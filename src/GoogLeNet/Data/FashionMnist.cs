using System.Security.Cryptography;

namespace GoogLeNet.Data;

/// <summary>Where a copy of the dataset was found, and how it got there.</summary>
public sealed record DataLocation(string Directory, string Source);

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 60,000 training and 10,000 test images of 28x28 grey
/// clothing, ten classes. Finds the four IDX files, fetches them when no copy is found, and loads them with
/// every check the format allows.
/// </summary>
public static class FashionMnist
{
    /// <summary>The ten classes' names, in the order of their labels 0 to 9.</summary>
    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The environment variable that names the folder holding the files, consulted when no folder is given.</summary>
    public const string EnvironmentVariable = "FASHION_MNIST_DIR";
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the files.</summary>
    public const string SystemDirectory = "/usr/share/datasets/fashion-mnist";
    /// <summary>Where <see cref="DownloadAsync"/> fetches the <c>.gz</c> files from by default; ends in a slash.</summary>
    public const string DownloadBase = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

    /// <summary>The four files, with the MD5 of the canonical .gz download (from the dataset's README).</summary>
    public static readonly IReadOnlyList<(string Stem, string GzMd5)> Files =
    [
        ("train-images-idx3-ubyte", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte", "bb300cfdad3c16e7a12a480ee83cd310"),
    ];

    /// <summary>The per-user cache folder where downloads go.</summary>
    public static string CacheDirectory
    {
        get
        {
            string root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "googlenet", "fashion-mnist");
        }
    }

    /// <summary>
    /// The first folder holding all four files, from: <paramref name="explicitDirectory"/> (--data), the
    /// FASHION_MNIST_DIR variable, the Debian package's folder, the user cache. A folder named explicitly
    /// (option or variable) must have them: falling through to another copy would hide a typo.
    /// Returns null when only the last two were consulted and neither had them.
    /// </summary>
    public static DataLocation? Locate(string? explicitDirectory, string? environmentDirectory = null, IReadOnlyList<string>? fallbacks = null)
    {
        if (explicitDirectory is not null)
            return new DataLocation(RequireComplete(explicitDirectory, "FashionMnist.Locate(explicitDirectory)"), "FashionMnist.Locate(explicitDirectory)");
        environmentDirectory ??= Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(environmentDirectory))
            return new DataLocation(RequireComplete(environmentDirectory, EnvironmentVariable), EnvironmentVariable);
        foreach (var dir in fallbacks ?? [SystemDirectory, CacheDirectory])
        {
            if (Files.All(f => FindFile(dir, f.Stem) is not null))
                return new DataLocation(dir, dir == SystemDirectory ? "Debian package dataset-fashion-mnist" : dir);
        }
        return null;
    }

    /// <summary>The file beside the IDX files that names their classes, one name a line, in the order of the labels.</summary>
    public const string ClassNamesFile = "classes.txt";

    /// <summary>
    /// Loads the training or test split of Fashion-MNIST or any IDX set of its family (other image sizes, other numbers of
    /// classes), the first <paramref name="limit"/> examples when given. The classes: <paramref name="classNames"/> when given;
    /// else those of <see cref="ClassNamesFile"/> beside the files; else, for labels 0 to 9, Fashion-MNIST's ten; else
    /// numbers up to the largest label.
    /// </summary>
    /// <param name="directory">The folder holding the four files.</param>
    /// <param name="train">The training split (else the test split).</param>
    /// <param name="limit">Use only the first this many examples.</param>
    /// <param name="classNames">The classes the labels must fit (a trained model's, or the training split's).</param>
    /// <param name="classesFrom">Where <paramref name="classNames"/> come from, in words, for messages ("the training labels").</param>
    /// <exception cref="DataFileException">A file is missing, damaged or does not fit the other; the message names it.</exception>
    public static ImageDataset Load(string directory, bool train, int? limit = null, IReadOnlyList<string>? classNames = null, string? classesFrom = null)
    {
        string prefix = train ? "train" : "t10k";
        string imagesPath = FindFile(directory, $"{prefix}-images-idx3-ubyte") ?? Path.Combine(directory, $"{prefix}-images-idx3-ubyte.gz");
        string labelsPath = FindFile(directory, $"{prefix}-labels-idx1-ubyte") ?? Path.Combine(directory, $"{prefix}-labels-idx1-ubyte.gz");
        var images = IdxFile.Read(imagesPath, 3);
        var labels = IdxFile.Read(labelsPath, 1);
        if (images.Count != labels.Count)
            throw new DataFileException(labelsPath, $"has {labels.Count:N0} labels but {Path.GetFileName(imagesPath)} has {images.Count:N0} images");
        var named = NamedClasses(directory);
        if (classNames is not null && named is not null && !named.SequenceEqual(classNames, StringComparer.Ordinal))
            throw new DataFileException(Path.Combine(directory, ClassNamesFile),
                $"names other classes ({ImageDataset.ShortList(named)}) than those it is checked against ({ImageDataset.ShortList(classNames)})");
        var names = classNames ?? named ?? NumberedClasses(labels.Data);
        int bad = Array.FindIndex(labels.Data, l => l >= names.Count);
        if (bad >= 0)
            throw new DataFileException(labelsPath, $"label {labels.Data[bad]} at index {bad} is outside 0..{names.Count - 1}"
                + (named is not null ? $" ({ClassNamesFile} names {names.Count})" : classNames is not null ? $", the classes of {classesFrom ?? "the model"}" : ""));
        return new ImageDataset(images.Data, labels.Data, images.Dims[1], images.Dims[2], names.Count, names).Take(limit);
    }

    /// <summary>
    /// The classes of the IDX set in <paramref name="directory"/>, as <see cref="LoadBoth"/> gives them to the training split: those of
    /// <see cref="ClassNamesFile"/>, else from the training labels (read alone, without the images).
    /// </summary>
    /// <exception cref="DataFileException">The training labels file or the names file is missing or damaged.</exception>
    public static IReadOnlyList<string> Classes(string directory)
    {
        if (NamedClasses(directory) is { } named)
            return named;
        string labelsPath = FindFile(directory, "train-labels-idx1-ubyte") ?? Path.Combine(directory, "train-labels-idx1-ubyte.gz");
        return NumberedClasses(IdxFile.Read(labelsPath, 1).Data);
    }

    /// <summary>
    /// Loads both splits and checks that their images have the same size and that the test labels are among the
    /// training split's classes (taken from all of its labels, before <paramref name="trainLimit"/>).
    /// </summary>
    /// <exception cref="DataFileException">A file is missing, damaged or does not fit the others; the message names it.</exception>
    public static (ImageDataset Train, ImageDataset Test) LoadBoth(string directory, int? trainLimit, int? testLimit)
    {
        var all = Load(directory, train: true);
        int distinct = all.Labels.Distinct().Count();
        if (distinct < 2)
            throw new DataFileException(FindFile(directory, "train-labels-idx1-ubyte") ?? directory,
                $"every training label is {all.Labels.FirstOrDefault()}; a classifier needs two or more classes");
        var train = all.Take(trainLimit);
        var test = Load(directory, train: false, testLimit, train.ClassNames, "the training labels");
        if (train.Rows != test.Rows || train.Cols != test.Cols)
            throw new DataFileException(Path.Combine(directory, "t10k-images-idx3-ubyte"),
                $"test images are {test.Rows}x{test.Cols} but training images are {train.Rows}x{train.Cols}");
        return (train, test);
    }

    /// <summary>
    /// Downloads the four files into <paramref name="directory"/>, checking each against its MD5 and moving
    /// it into place only when complete, so an interrupted download never leaves a half file behind.
    /// </summary>
    public static async Task DownloadAsync(string directory, IProgress<(string File, long Bytes, long? Total)>? progress,
        HttpClient? client = null, string baseAddress = DownloadBase, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        using var ownClient = client is null ? new HttpClient { Timeout = TimeSpan.FromMinutes(10) } : null;
        var http = client ?? ownClient!;
        foreach (var (stem, md5) in Files)
        {
            string name = stem + ".gz";
            string target = Path.Combine(directory, name);
            if (File.Exists(target) && Md5Of(await File.ReadAllBytesAsync(target, cancellationToken)) == md5)
                continue;
            string url = baseAddress + name;
            byte[] body;
            try
            {
                using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                response.EnsureSuccessStatusCode();
                long? total = response.Content.Headers.ContentLength;
                await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                using var buffer = new MemoryStream();
                var chunk = new byte[81920];
                int read;
                while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
                {
                    buffer.Write(chunk, 0, read);
                    progress?.Report((name, buffer.Length, total));
                }
                body = buffer.ToArray();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new GoogLeNetException(
                    $"Fashion-MNIST was not found ({SearchedDescription()}) and downloading {url} failed ({e.Message.Split('\n')[0]}); " +
                    "install it with 'sudo apt-get install dataset-fashion-mnist' or pass the folder that holds it (FashionMnist.Locate(explicitDirectory))", e);
            }
            string actual = Md5Of(body);
            if (actual != md5)
                throw new GoogLeNetException($"{url}: downloaded file has MD5 {actual}, expected {md5}; nothing was saved");
            string temp = $"{target}.{Environment.ProcessId}.part";
            await File.WriteAllBytesAsync(temp, body, cancellationToken);
            File.Move(temp, target, overwrite: true);
        }
    }

    /// <summary>Where <see cref="Locate"/> looks, in words, for messages.</summary>
    public static string SearchedDescription() =>
        $"looked in FashionMnist.Locate(explicitDirectory), ${EnvironmentVariable}, {SystemDirectory} and {CacheDirectory}";

    /// <summary>The MD5 of <paramref name="data"/> in lower-case hexadecimal, as <see cref="Files"/> lists them.</summary>
    public static string Md5Of(byte[] data) => Convert.ToHexStringLower(MD5.HashData(data));

    /// <summary>The names in <see cref="ClassNamesFile"/>, or null when the folder has none.</summary>
    private static IReadOnlyList<string>? NamedClasses(string directory)
    {
        string path = Path.Combine(directory, ClassNamesFile);
        if (!File.Exists(path))
            return null;
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
            lines.RemoveAt(lines.Count - 1);
        int blank = lines.FindIndex(l => l.Length == 0);
        if (blank >= 0)
            throw new DataFileException(path, $"line {blank + 1} is empty; write one class name a line, in the order of the labels");
        if (lines.Count < 2)
            throw new DataFileException(path, $"names {lines.Count} class{(lines.Count == 1 ? "" : "es")}; a classifier needs two or more");
        if (lines.Count > 256)
            throw new DataFileException(path, $"names {lines.Count} classes; IDX labels are bytes, so at most 256");
        var twice = lines.GroupBy(l => l, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new DataFileException(path, $"names the class '{twice.Key}' twice");
        return lines;
    }

    /// <summary>Fashion-MNIST's names for labels 0 to 9, else the numbers 0 to the largest label.</summary>
    private static IReadOnlyList<string> NumberedClasses(byte[] labels)
    {
        int largest = labels.Length == 0 ? 0 : labels.Max();
        return largest < ClassNames.Count ? ClassNames : Enumerable.Range(0, largest + 1).Select(i => i.ToString()).ToList();
    }

    private static string? FindFile(string directory, string stem)
    {
        foreach (var name in new[] { stem, stem + ".gz" })
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path))
                return path;
        }
        return null;
    }

    private static string RequireComplete(string directory, string origin)
    {
        if (File.Exists(directory))
            throw new DataFileException(directory, $"is a file, not a folder (from {origin}); name the folder that holds the four IDX files");
        if (!Directory.Exists(directory))
            throw new DataFileException(directory, $"folder not found (from {origin})");
        var missing = Files.Where(f => FindFile(directory, f.Stem) is null).Select(f => f.Stem).ToList();
        if (missing.Count > 0)
            throw new DataFileException(Path.Combine(directory, missing[0]), $"file not found (neither {missing[0]} nor {missing[0]}.gz; from {origin})");
        return directory;
    }
}
