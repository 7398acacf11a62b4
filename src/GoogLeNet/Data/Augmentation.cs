using static TorchSharp.torch;

namespace GoogLeNet.Data;

/// <summary>
/// Random changes to training images, each drawn from the run's seed, the epoch and the batch alone, so that a
/// resumed run sees exactly the images an uninterrupted one does. None is applied to test images.
/// </summary>
/// <param name="Crop">A random crop of the image padded by <see cref="CropPadding"/> black pixels on each side, back to its own size (before the resize).</param>
/// <param name="Flip">A left-right mirror image, for half of the images.</param>
/// <param name="Erase">Random erasing (Zhong et al. 2017): for half of the images a rectangle of 2 to 33 % of the area, aspect ratio 0.3 to 3.3, filled with uniform noise (after the resize).</param>
public sealed record Augmentation(bool Crop, bool Flip, bool Erase)
{
    /// <summary>Black pixels added on each side before a random crop (4, as for CIFAR and Fashion-MNIST's usual recipes).</summary>
    public const int CropPadding = 4;

    /// <summary>The names <see cref="Parse"/> accepts, in their order of application.</summary>
    public static readonly IReadOnlyList<string> Names = ["crop", "flip", "erase"];

    /// <summary>No augmentation, the book's recipe.</summary>
    public static Augmentation None { get; } = new(false, false, false);

    /// <summary>True when nothing is applied.</summary>
    public bool IsNone => !Crop && !Flip && !Erase;

    /// <summary>The comma-separated names, in <see cref="Names"/> order ("" for none), as <see cref="Parse"/> reads them.</summary>
    public override string ToString() =>
        string.Join(",", new[] { (Crop, "crop"), (Flip, "flip"), (Erase, "erase") }.Where(x => x.Item1).Select(x => x.Item2));

    /// <summary>Reads "crop,flip,erase" or any part of it ("" or null: none).</summary>
    /// <param name="text">Names separated by commas.</param>
    /// <exception cref="InvalidSettingException">A name is unknown or given twice.</exception>
    public static Augmentation Parse(string? text)
    {
        var names = (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var name in names)
        {
            if (!Names.Contains(name))
                throw new InvalidSettingException($"TrainOptions.Augment: unknown augmentation '{name}'; known: {string.Join(", ", Names)}");
        }
        if (names.Distinct().Count() != names.Length)
            throw new InvalidSettingException($"TrainOptions.Augment names an augmentation twice: '{text}'");
        return new Augmentation(names.Contains("crop"), names.Contains("flip"), names.Contains("erase"));
    }

    /// <summary>The generator of one batch's random choices: a function of (seed, epoch, batch) only.</summary>
    internal static Random ForBatch(int seed, int epoch, int batch) =>
        new(unchecked((int)(((uint)seed * 2_654_435_761u) ^ ((uint)epoch * 40_503u) ^ ((uint)batch * 2_246_822_519u))));

    /// <summary>Crops and flips a batch of byte images (N x C x H x W) before the resize.</summary>
    internal Tensor BeforeResize(Tensor bytes, Random random)
    {
        if (!Crop && !Flip)
            return bytes.alias();
        long n = bytes.shape[0], h = bytes.shape[2], w = bytes.shape[3];
        using var scope = NewDisposeScope();
        var source = Crop ? nn.functional.pad(bytes, [CropPadding, CropPadding, CropPadding, CropPadding]) : bytes;
        var images = new Tensor[n];
        for (long i = 0; i < n; i++)
        {
            var image = source[i];
            if (Crop)
                image = image.narrow(1, random.Next(2 * CropPadding + 1), h).narrow(2, random.Next(2 * CropPadding + 1), w);
            if (Flip && random.Next(2) == 1)
                image = image.flip(2);
            images[i] = image;
        }
        return stack(images).MoveToOuterDisposeScope();
    }

    /// <summary>Erases a rectangle of half of the images of a float batch (N x C x S x S, in [0, 1]) after the resize, in place.</summary>
    internal void AfterResize(Tensor x, Random random)
    {
        if (!Erase)
            return;
        long n = x.shape[0], c = x.shape[1], height = x.shape[2], width = x.shape[3];
        using var _ = no_grad();
        for (long i = 0; i < n; i++)
        {
            if (random.Next(2) == 0)
                continue;
            for (int attempt = 0; attempt < 10; attempt++)
            {
                double area = height * width * (0.02 + random.NextDouble() * (1.0 / 3 - 0.02));
                double aspect = Math.Exp(Math.Log(0.3) + random.NextDouble() * (Math.Log(1 / 0.3) - Math.Log(0.3)));
                long eh = (long)Math.Round(Math.Sqrt(area * aspect)), ew = (long)Math.Round(Math.Sqrt(area / aspect));
                if (eh < 1 || ew < 1 || eh >= height || ew >= width)
                    continue;
                long top = random.NextInt64(height - eh + 1), left = random.NextInt64(width - ew + 1);
                var noise = new float[c * eh * ew];
                for (int k = 0; k < noise.Length; k++)
                    noise[k] = random.NextSingle();
                using var patch = tensor(noise, [c, eh, ew]);
                using var region = x[i].narrow(1, top, eh).narrow(2, left, ew);
                region.copy_(patch);
                break;
            }
        }
    }
}
