using GoogLeNet.Data;
using GoogLeNet.Tests.Training;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Data;

public class AugmentationTests
{
    private static ImageDataset Squares(TempDirectory dir) => FashionMnist.Load(IdxWriter.WriteDataset(dir["data"], 64, 8), train: true);

    private static float[] Pixels(BatchSource source, int epoch, int batch)
    {
        var (x, y) = source.Epoch(epoch).ElementAt(batch);
        using (y)
        using (x)
            return x.data<float>().ToArray();
    }

    [Fact]
    public void NamesAreReadInAnyOrderAndUnknownOrRepeatedOnesAreRefused()
    {
        Assert.Equal(new Augmentation(true, true, true), Augmentation.Parse("erase, flip,crop"));
        Assert.Equal("crop,erase", Augmentation.Parse("erase,crop").ToString());
        Assert.True(Augmentation.Parse("").IsNone);
        Assert.True(Augmentation.Parse(null).IsNone);
        Assert.Equal("TrainOptions.Augment: unknown augmentation 'rotate'; known: crop, flip, erase",
            Assert.Throws<InvalidSettingException>(() => Augmentation.Parse("crop,rotate")).Message);
        Assert.Equal("TrainOptions.Augment names an augmentation twice: 'flip,flip'",
            Assert.Throws<InvalidSettingException>(() => Augmentation.Parse("flip,flip")).Message);
    }

    [Theory]
    [InlineData("crop")]
    [InlineData("flip")]
    [InlineData("erase")]
    [InlineData("crop,flip,erase")]
    public void EachBatchChangesAsAFunctionOfSeedEpochAndBatchAlone(string names)
    {
        using var dir = new TempDirectory();
        var data = Squares(dir);
        var augment = Augmentation.Parse(names);
        using var plain = new BatchSource(data, 16, 32, shuffle: true, seed: 3);
        using var a = new BatchSource(data, 16, 32, shuffle: true, seed: 3, augment);
        using var b = new BatchSource(data, 16, 32, shuffle: true, seed: 3, augment);

        // The same (seed, epoch, batch) gives the same pixels in another source, and whether batches before it were drawn or skipped.
        Assert.Equal(Pixels(a, 2, 3), Pixels(b, 2, 3));
        var (skipped, _) = b.Epoch(2, skip: 3).First();
        Assert.Equal(Pixels(a, 2, 3), skipped.data<float>().ToArray());
        // Other pixels than without augmentation, and other changes in another epoch; the labels stay those of the plain order.
        Assert.NotEqual(Pixels(plain, 2, 3), Pixels(a, 2, 3));
        Assert.NotEqual(Pixels(a, 1, 3), Pixels(a, 2, 3));
        Assert.Equal(plain.Epoch(2).ElementAt(3).Y.data<long>().ToArray(), a.Epoch(2).ElementAt(3).Y.data<long>().ToArray());
        var (x, _) = a.Epoch(0).First();
        Assert.Equal([16L, 1, 32, 32], x.shape);
        Assert.True(x.min().item<float>() >= 0 && x.max().item<float>() <= 1);
    }

    [Fact]
    public void AFlipMirrorsAnImageAndACropShiftsItByAtMostThePadding()
    {
        // One image, a bright column at x = 3 of a 28-pixel row.
        var bytes = zeros([1, 1, 28, 28], ScalarType.Byte);
        bytes[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Colon, 3] = tensor((byte)200);
        static int Column(Tensor t) => (int)t[0, 0, 10].argmax().item<long>();

        var flip = new Augmentation(Crop: false, Flip: true, Erase: false);
        var seen = new HashSet<int>();
        var crop = new Augmentation(Crop: true, Flip: false, Erase: false);
        for (int seed = 0; seed < 40; seed++)
        {
            using var flipped = flip.BeforeResize(bytes, new Random(seed));
            Assert.Contains(Column(flipped), new[] { 3, 24 });
            using var cropped = crop.BeforeResize(bytes, new Random(seed));
            Assert.Equal([1L, 1, 28, 28], cropped.shape);
            seen.Add(Column(cropped));
        }
        Assert.All(seen, c => Assert.InRange(c, 3 - Augmentation.CropPadding, 3 + Augmentation.CropPadding));
        Assert.True(seen.Count > 3); // the offsets vary
    }

    [Fact]
    public void ErasingFillsOneRectangleOfNoiseInAboutHalfOfTheImages()
    {
        var erase = new Augmentation(Crop: false, Flip: false, Erase: true);
        using var x = zeros([200, 1, 32, 32]);
        erase.AfterResize(x, new Random(7));
        int erased = 0;
        for (int i = 0; i < 200; i++)
        {
            using var changed = x[i, 0].ne(0);
            long count = changed.sum().item<long>();
            if (count == 0)
                continue;
            erased++;
            // The changed pixels are one rectangle: as many as its bounding box holds (noise is never exactly 0).
            using var rows = changed.any(1).nonzero();
            using var cols = changed.any(0).nonzero();
            Assert.Equal(rows.shape[0] * cols.shape[0], count);
            Assert.InRange(count, 1, 32 * 32 / 3 + 40);
        }
        Assert.InRange(erased, 70, 130);
    }
}
