using GoogLeNet.Data;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Data;

public class BatchSourceTests
{
    private static ImageDataset Numbered(int count) =>
        new(Enumerable.Range(0, count).SelectMany(n => Enumerable.Repeat((byte)n, 4)).ToArray(),
            Enumerable.Range(0, count).Select(n => (byte)(n % 10)).ToArray(), 2, 2, 10);

    private static List<long[]> FirstPixels(BatchSource source, int epoch, int skip = 0) =>
        source.Epoch(epoch, skip).Select(b =>
        {
            using var x = b.X;
            using var y = b.Y;
            return x.select(1, 0).select(1, 0).select(1, 0).mul(255).round().to_type(ScalarType.Int64).data<long>().ToArray();
        }).ToList();

    [Fact]
    public void TheLastPartialBatchIsKeptAndEveryExampleComesOnce()
    {
        using var source = new BatchSource(Numbered(10), batchSize: 4, size: 2, shuffle: true, seed: 3);
        var batches = FirstPixels(source, 0);
        Assert.Equal(3, source.Batches);
        Assert.Equal([4, 4, 2], batches.Select(b => b.Length));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), batches.SelectMany(b => b).Order());
    }

    [Fact]
    public void SkippedBatchesAreTheFirstOnesOfTheSameOrder()
    {
        using var source = new BatchSource(Numbered(10), batchSize: 4, size: 2, shuffle: true, seed: 3);
        var whole = FirstPixels(source, 4);
        Assert.Equal(whole.Skip(1), FirstPixels(source, 4, skip: 1));
        Assert.Equal([whole[2]], FirstPixels(source, 4, skip: 2));
        Assert.Empty(FirstPixels(source, 4, skip: 3));
    }

    [Fact]
    public void ShuffleChangesEveryEpochAndRepeatsForTheSameSeedAndEpoch()
    {
        using var a = new BatchSource(Numbered(64), 64, 2, shuffle: true, seed: 3);
        using var b = new BatchSource(Numbered(64), 64, 2, shuffle: true, seed: 3);
        Assert.Equal(FirstPixels(a, 5)[0], FirstPixels(b, 5)[0]);
        Assert.NotEqual(FirstPixels(a, 5)[0], FirstPixels(a, 6)[0]);
        using var plain = new BatchSource(Numbered(64), 64, 2, shuffle: false, seed: 3);
        Assert.Equal(Enumerable.Range(0, 64).Select(i => (long)i), FirstPixels(plain, 9)[0]);
    }

    [Fact]
    public void LabelsTravelWithTheirImages()
    {
        using var source = new BatchSource(Numbered(30), 7, 2, shuffle: true, seed: 1);
        foreach (var (x, y) in source.Epoch(2))
        {
            using (x)
            using (y)
            {
                var ids = x.select(1, 0).select(1, 0).select(1, 0).mul(255).round().to_type(ScalarType.Int64).data<long>().ToArray();
                Assert.Equal(ids.Select(i => i % 10), y.data<long>().ToArray());
            }
        }
    }

    [Fact]
    public void ImagesAreResizedBilinearAndScaledToUnitRange()
    {
        var data = new ImageDataset([0, 255, 255, 0], [1], 2, 2, 10);
        using var source = new BatchSource(data, 1, 4, shuffle: false, seed: 0);
        var (x, y) = source.Epoch(0).Single();
        Assert.Equal(new long[] { 1, 1, 4, 4 }, x.shape);
        var v = x.data<float>().ToArray();
        Assert.All(v, p => Assert.InRange(p, 0f, 1f));
        // align_corners = false: output pixel i samples source coordinate (i + 0.5) / 2 - 0.5, clamped,
        // i.e. 0, 0.25, 0.75, 1 along each axis of the source [[0, 1], [1, 0]].
        Assert.Equal(0f, v[0]);
        Assert.Equal(1f, v[3]);
        Assert.Equal(0.375f, v[1 * 4 + 1], 5);
        Assert.Equal(0.625f, v[1 * 4 + 2], 5);
        Assert.Equal(0.375f, v[2 * 4 + 2], 5);
        x.Dispose();
        y.Dispose();
    }
}
