namespace GoogLeNet.Data;

/// <summary>Grey or colour images (N x channels x rows x cols bytes, each channel row-major) with one label each.</summary>
public sealed class ImageDataset
{
    /// <summary>A dataset of <paramref name="labels"/>.Length images.</summary>
    /// <param name="images">The pixels, image after image, each row-major.</param>
    /// <param name="labels">Each image's class, 0 to <paramref name="numClasses"/> - 1.</param>
    /// <param name="rows">Height of every image.</param>
    /// <param name="cols">Width of every image.</param>
    /// <param name="numClasses">Number of classes.</param>
    /// <param name="classNames">The classes' names (their numbers when null).</param>
    /// <param name="channels">1 for grey images, 3 for RGB ones (each image's red plane, then green, then blue).</param>
    public ImageDataset(byte[] images, byte[] labels, int rows, int cols, int numClasses, IReadOnlyList<string>? classNames = null, int channels = 1)
    {
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "1 (grey) or 3 (RGB)");
        Channels = channels;
        if (classNames is not null && classNames.Count != numClasses)
            throw new ArgumentException($"{classNames.Count} class names for {numClasses} classes", nameof(classNames));
        ClassNames = classNames ?? Enumerable.Range(0, numClasses).Select(i => i.ToString()).ToList();
        if (images.Length != (long)labels.Length * channels * rows * cols)
            throw new ArgumentException("images and labels disagree in count");
        Images = images;
        Labels = labels;
        Rows = rows;
        Cols = cols;
        NumClasses = numClasses;
    }

    /// <summary>The pixels, <see cref="Count"/> x <see cref="Rows"/> x <see cref="Cols"/> bytes, image after image, each row-major.</summary>
    public byte[] Images { get; }
    /// <summary>Each image's class, 0 to <see cref="NumClasses"/> - 1.</summary>
    public byte[] Labels { get; }
    /// <summary>Height of every image, in pixels.</summary>
    public int Rows { get; }
    /// <summary>Width of every image, in pixels.</summary>
    public int Cols { get; }
    /// <summary>Number of classes.</summary>
    public int NumClasses { get; }

    /// <summary>Channels of every image: 1 (grey) or 3 (RGB).</summary>
    public int Channels { get; }
    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>The classes' names, in the order of their labels.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Class names for a message: the first eight, comma-separated, then ", ..." when there are more.</summary>
    internal static string ShortList(IReadOnlyList<string> names) => string.Join(", ", names.Take(8)) + (names.Count > 8 ? ", ..." : "");

    /// <summary>The first <paramref name="n"/> examples (all when n is null or larger than the set).</summary>
    public ImageDataset Take(int? n)
    {
        if (n is null || n >= Count)
            return this;
        return new ImageDataset(Images[..(n.Value * Channels * Rows * Cols)], Labels[..n.Value], Rows, Cols, NumClasses, ClassNames, Channels);
    }
}
