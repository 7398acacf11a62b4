using GoogLeNet.Models;
using static TorchSharp.torch;

namespace GoogLeNet.Benchmarks;

/// <summary>
/// What <see cref="Benchmark"/> and <see cref="LayerProfile"/> both time: a registered model initialised as
/// <c>train</c> initialises it, and one fixed batch of synthetic images and labels, in the memory order
/// asked for. A size the model cannot take is refused here, in one line, before anything is timed.
/// </summary>
internal sealed class SyntheticRun : IDisposable
{
    private SyntheticRun(ModelInfo info, Classifier model, long macs, Tensor x, Tensor y)
    {
        Info = info;
        Model = model;
        Macs = macs;
        X = x;
        Y = y;
    }

    public ModelInfo Info { get; }
    public Classifier Model { get; }
    /// <summary>Multiply-adds of one image's forward pass at this size.</summary>
    public long Macs { get; }
    public Tensor X { get; }
    public Tensor Y { get; }

    /// <summary>
    /// Builds the model for 1 channel and 10 classes from seed 0 (Xavier-uniform), and a batch of uniform random
    /// images in [0, 1) with random labels 0 to 9.
    /// </summary>
    /// <param name="modelName">The registered name of the model (case-insensitive).</param>
    /// <param name="batchSize">Images in the batch.</param>
    /// <param name="size">Side of the square images, in pixels.</param>
    /// <param name="threads">libtorch's CPU threads, set here for the whole process.</param>
    /// <param name="channelsLast">Lay out the weights and the images in channels-last order.</param>
    /// <param name="slice">The --micro-batch the memory check counts (0: the whole batch).</param>
    /// <exception cref="InvalidSettingException">A size, batch size, slice or thread count is out of range.</exception>
    /// <exception cref="GoogLeNetException">The model is unknown or does not accept the size.</exception>
    public static SyntheticRun Create(string modelName, int batchSize, int size, int threads, bool channelsLast, int slice = 0)
    {
        OptionLimits.Side(size, "Benchmark.Run(size)");
        OptionLimits.InRange(slice, "Benchmark.Run(microBatch)", 0, OptionLimits.MaxBatch);
        OptionLimits.Batch(batchSize, size, training: true, "Benchmark.Run(batchSize)", slice, "Benchmark.Run(microBatch)");
        OptionLimits.Threads(threads, "Benchmark.Run(threads)");
        set_num_threads(threads);
        var info = ModelRegistry.Get(modelName);
        manual_seed(0);
        var model = info.Create(1, 10);
        long macs;
        try
        {
            macs = Analysis.ModelSummary.Of(info.Name, model, size, 1).Macs;
        }
        catch
        {
            model.Dispose();
            throw;
        }
        Initialization.XavierUniform(model);
        if (channelsLast)
            Runtime.ChannelsLast.Apply(model);
        using var image = rand(batchSize, 1, size, size);
        var x = channelsLast ? Runtime.ChannelsLast.Of(image) : image.clone();
        return new SyntheticRun(info, model, macs, x, randint(0, 10, [batchSize]));
    }

    public void Dispose()
    {
        Model.Dispose();
        X.Dispose();
        Y.Dispose();
    }
}
