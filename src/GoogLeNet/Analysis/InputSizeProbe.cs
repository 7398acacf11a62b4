using GoogLeNet.Models;

namespace GoogLeNet.Analysis;

/// <summary>The input sizes a model accepts, found by running it.</summary>
/// <param name="Model">The registered name of the model probed.</param>
/// <param name="MinSize">Smallest side of a square input the model accepts, in pixels.</param>
/// <param name="MaxSize">Largest accepted size, or null when none was refused up to <see cref="InputSizeProbe.Limit"/>.</param>
/// <param name="RefusalAtMin">Why <c>MinSize - 1</c> was refused (null when MinSize is 1).</param>
/// <param name="RefusalAboveMax">Why <c>MaxSize + 1</c> was refused (null when unbounded).</param>
public sealed record SizeRange(string Model, int MinSize, int? MaxSize, string? RefusalAtMin, string? RefusalAboveMax);

/// <summary>
/// The chapter's second exercise: the smallest input for which a network works, and the largest where
/// there is one. Each candidate size is tried by a real forward pass of a 1 x channels x size x size
/// input (libtorch's meta device, which would make this free, lacks convolutions in this build).
/// </summary>
public static class InputSizeProbe
{
    /// <summary>Sizes above this are not tried: a model that accepts it is reported as unbounded.</summary>
    public const int Limit = 1024;

    /// <summary>
    /// The smallest and largest side of a square input, in pixels, that the model accepts, each size tried by a forward
    /// pass of a model built for <paramref name="channels"/> channels and 10 classes.
    /// </summary>
    /// <param name="info">The registered model to probe.</param>
    /// <param name="channels">Input channels of the probe input.</param>
    /// <exception cref="GoogLeNetException">The model accepts no size from 1 to <see cref="Limit"/>.</exception>
    public static SizeRange Find(ModelInfo info, int channels = 1)
    {
        using var model = info.Create(channels, 10);
        string? Refusal(int size)
        {
            try
            {
                ModelSummary.Of(info.Name, model, size, channels);
                return null;
            }
            catch (GoogLeNetException e)
            {
                return e.Message;
            }
        }

        // Smallest: try upwards from 1 (small inputs are cheap).
        int min = 1;
        string? belowMin = null;
        for (; min <= Limit; min++)
        {
            string? refusal = Refusal(min);
            if (refusal is null)
                break;
            belowMin = refusal;
        }
        if (min > Limit)
            throw new GoogLeNetException($"{info.Name} accepts no square input from 1 to {Limit} pixels");

        // Largest: double until refused (or past the limit), then bisect between the last accepted size and
        // the first refused one. A model whose fully connected layer fixes the last map accepts one
        // contiguous range, so the boundary found this way is the largest accepted size.
        int good = min, bad = -1;
        for (int size = Math.Max(min * 2, min + 1); ; size = Math.Min(size * 2, Limit))
        {
            if (Refusal(size) is null)
            {
                good = size;
                if (size == Limit)
                    return new SizeRange(info.Name, min, null, belowMin, null);
            }
            else
            {
                bad = size;
                break;
            }
        }
        while (bad - good > 1)
        {
            int mid = good + (bad - good) / 2;
            if (Refusal(mid) is null)
                good = mid;
            else
                bad = mid;
        }
        return new SizeRange(info.Name, min, good, belowMin, Refusal(good + 1));
    }
}
