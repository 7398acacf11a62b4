namespace GoogLeNet.Data;

/// <summary>Grey images (N x rows x cols bytes, row-major) with one label each.</summary>
public sealed class ImageDataset
{
    public ImageDataset(byte[] images, byte[] labels, int rows, int cols, int numClasses)
    {
        if (images.Length != (long)labels.Length * rows * cols)
            throw new ArgumentException("images and labels disagree in count");
        Images = images;
        Labels = labels;
        Rows = rows;
        Cols = cols;
        NumClasses = numClasses;
    }

    public byte[] Images { get; }
    public byte[] Labels { get; }
    public int Rows { get; }
    public int Cols { get; }
    public int NumClasses { get; }
    public int Count => Labels.Length;

    /// <summary>The first <paramref name="n"/> examples (all when n is null or larger than the set).</summary>
    public ImageDataset Take(int? n)
    {
        if (n is null || n >= Count)
            return this;
        return new ImageDataset(Images[..(n.Value * Rows * Cols)], Labels[..n.Value], Rows, Cols, NumClasses);
    }
}
