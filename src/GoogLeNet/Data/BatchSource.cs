using static TorchSharp.torch;

namespace GoogLeNet.Data;

/// <summary>
/// Serves a dataset in mini-batches, preprocessed for the model. The training order is reshuffled every
/// epoch from (seed, epoch) alone, so a resumed run sees exactly the batches an uninterrupted one would.
/// The last, partial batch is kept, as in the book's loader.
/// </summary>
public sealed class BatchSource : IDisposable
{
    private readonly Tensor _images; // N x channels x rows x cols, uint8
    private readonly Tensor _labels; // N, int64
    private readonly int _batchSize;
    private readonly int _size;
    private readonly bool _shuffle;
    private readonly int _seed;
    private readonly Augmentation _augment;

    /// <summary>Batches of <paramref name="data"/>, which is copied into tensors here.</summary>
    /// <param name="data">The images and labels.</param>
    /// <param name="batchSize">Images per batch, 1 or more.</param>
    /// <param name="size">Side of the square the images are resized to, in pixels.</param>
    /// <param name="shuffle">Reshuffle the order every epoch (training); false keeps the dataset's order (testing).</param>
    /// <param name="seed">Seeds the shuffle, together with the epoch number.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is below 1.</exception>
    /// <param name="augment">Random changes to every batch, drawn from (seed, epoch, batch); none when null.</param>
    public BatchSource(ImageDataset data, int batchSize, int size, bool shuffle, int seed, Augmentation? augment = null)
    {
        _augment = augment ?? Augmentation.None;
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize));
        _images = tensor(data.Images, [data.Count, data.Channels, data.Rows, data.Cols], ScalarType.Byte);
        _labels = tensor(data.Labels, ScalarType.Byte).to_type(ScalarType.Int64);
        _batchSize = batchSize;
        _size = size;
        _shuffle = shuffle;
        _seed = seed;
        Count = data.Count;
    }

    /// <summary>Number of examples.</summary>
    public int Count { get; }

    /// <summary>Number of batches per epoch.</summary>
    public int Batches => (Count + _batchSize - 1) / _batchSize;

    /// <summary>
    /// The batches of one epoch. Each batch's tensors belong to the caller's dispose scope (or are the
    /// caller's to dispose).
    /// </summary>
    /// <param name="epoch">0-based epoch number; with the seed it fixes the order.</param>
    /// <param name="skip">Batches of the epoch's order to leave out at its start (those a resumed run has already trained on).</param>
    public IEnumerable<(Tensor X, Tensor Y)> Epoch(int epoch, int skip = 0)
    {
        int[] order = Enumerable.Range(0, Count).ToArray();
        if (_shuffle)
            new Random(unchecked(_seed * 1_000_003 + epoch)).Shuffle(order);
        for (int start = skip * _batchSize; start < Count; start += _batchSize)
        {
            int n = Math.Min(_batchSize, Count - start);
            var random = _augment.IsNone ? null : Augmentation.ForBatch(_seed, epoch, start / _batchSize);
            var (x, y) = Batch(order.AsSpan(start, n).ToArray(), random);
            yield return (x, y);
        }
    }

    private (Tensor X, Tensor Y) Batch(int[] indices, Random? random)
    {
        using var index = tensor(indices.Select(i => (long)i).ToArray());
        using var bytes = _images.index_select(0, index);
        if (random is null)
            return (Preprocessing.ToModelInput(bytes, _size), _labels.index_select(0, index));
        using var changed = _augment.BeforeResize(bytes, random);
        var x = Preprocessing.ToModelInput(changed, _size);
        _augment.AfterResize(x, random);
        return (x, _labels.index_select(0, index));
    }

    /// <summary>Releases the tensors that hold the dataset.</summary>
    public void Dispose()
    {
        _images.Dispose();
        _labels.Dispose();
    }
}
