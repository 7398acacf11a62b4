using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using GoogLeNet.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GoogLeNet.Training;

/// <summary>What a checkpoint says about itself, besides the weights.</summary>
/// <param name="Format">The file format's number (<see cref="Checkpoint.CurrentFormat"/>).</param>
/// <param name="Model">The registered name of the network (<see cref="Models.ModelRegistry"/>).</param>
/// <param name="InChannels">Input channels the network was built for.</param>
/// <param name="NumClasses">Classes the network was built for.</param>
/// <param name="ImageSize">Side of the square input it was trained at.</param>
/// <param name="Epoch">Completed epochs.</param>
/// <param name="Options">The options of the run.</param>
/// <param name="History">The plot points so far.</param>
/// <param name="Epochs">Per-epoch results so far.</param>
/// <param name="SavedUtc">When the checkpoint was written.</param>
/// <param name="InEpoch">Where the epoch after <paramref name="Epoch"/> stood, for a checkpoint written before its end; null at an epoch's end.</param>
/// <param name="ClassNames">The names of the classes, in the order of the network's outputs; null in checkpoints that did not record them (Fashion-MNIST's).</param>
public sealed record CheckpointMetadata(int Format, string Model, int InChannels, int NumClasses, int ImageSize, int Epoch,
    TrainOptions Options, IReadOnlyList<MetricPoint> History, IReadOnlyList<EpochResult> Epochs, DateTime SavedUtc,
    EpochProgress? InEpoch = null, IReadOnlyList<string>? ClassNames = null)
{
    /// <summary>The metadata of a checkpoint written now, of a run at <paramref name="state"/>.</summary>
    /// <param name="model">The registered name of the network.</param>
    /// <param name="inChannels">Input channels the network was built for.</param>
    /// <param name="numClasses">Classes the network was built for.</param>
    /// <param name="imageSize">Side of the square input it is trained at.</param>
    /// <param name="options">The options of the run.</param>
    /// <param name="state">Where the run stands.</param>
    /// <param name="classNames">The names of the classes.</param>
    public static CheckpointMetadata Now(string model, int inChannels, int numClasses, int imageSize, TrainOptions options, TrainingState state,
        IReadOnlyList<string>? classNames) =>
        new(Checkpoint.CurrentFormat, model, inChannels, numClasses, imageSize, state.Epoch, options, state.History, state.Epochs,
            DateTime.UtcNow, state.InEpoch, classNames);

    /// <summary>The state of the run the checkpoint was written in, from which it resumes.</summary>
    [JsonIgnore]
    public TrainingState State => new(Epoch, Epochs, History, InEpoch);

    /// <summary>Where the weights stand, for messages: "epoch 3", or "epoch 4, step 120 of 469" part-way through one.</summary>
    [JsonIgnore]
    public string Position => State.Position;

    /// <summary>The same after "resuming" or "evaluated": "after epoch 3", "at epoch 4, step 120 of 469".</summary>
    [JsonIgnore]
    public string When => State.When;

    /// <summary>The class names: those recorded, or Fashion-MNIST's for a checkpoint of ten classes that recorded none.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Labels => ClassNames
        ?? (NumClasses == Data.FashionMnist.ClassNames.Count ? Data.FashionMnist.ClassNames : Enumerable.Range(0, NumClasses).Select(i => i.ToString()).ToList());
}

/// <summary>
/// An epoch part-way through: the steps taken, the running sums its train loss and accuracy are made of, the time spent,
/// and the state of libtorch's CPU random generator (dropout draws from it), so that training continues as if uninterrupted.
/// </summary>
/// <param name="Steps">Steps taken in this epoch.</param>
/// <param name="Batches">Steps in a whole epoch.</param>
/// <param name="Examples">Training examples in the data the epoch was shuffled from (another count would shuffle them otherwise); 0 when not recorded.</param>
/// <param name="LossSum">Sum over the examples seen of their training loss.</param>
/// <param name="Correct">Training examples so far in this epoch that their step classified correctly.</param>
/// <param name="Seen">Training examples the epoch's steps have taken so far.</param>
/// <param name="TrainSeconds">Time spent in training steps so far in this epoch, data loading excluded.</param>
/// <param name="WallSeconds">The epoch's time so far.</param>
/// <param name="RandomState">The state of libtorch's CPU random generator, as its <c>get_state</c> gives it.</param>
public sealed record EpochProgress(int Steps, int Batches, int Examples, double LossSum, long Correct, long Seen, double TrainSeconds, double WallSeconds,
    byte[] RandomState);

/// <summary>
/// A training checkpoint in one file: metadata (JSON), model state and optimizer state (TorchSharp's own
/// format), and a SHA-256 of all of it, so that a truncated or damaged file is recognised as such instead
/// of loading half a network. At an epoch's end the random state needs no saving (every epoch reseeds from
/// (seed, epoch)); part-way through one it is saved with the epoch's progress (<see cref="EpochProgress"/>).
/// </summary>
public sealed class Checkpoint
{
    /// <summary>Format 2 added <see cref="CheckpointMetadata.InEpoch"/>; format 1 files are read as well (they have none).</summary>
    public const int CurrentFormat = 2;
    private static readonly byte[] Magic = "GLNCKPT\u0001"u8.ToArray();

    private Checkpoint(string path, CheckpointMetadata metadata, byte[] modelState, byte[] optimizerState)
    {
        Path = path;
        Metadata = metadata;
        ModelState = modelState;
        OptimizerState = optimizerState;
    }

    /// <summary>The file the checkpoint was read from.</summary>
    public string Path { get; }
    /// <summary>What the checkpoint says about itself besides the weights.</summary>
    public CheckpointMetadata Metadata { get; }
    private byte[] ModelState { get; }
    private byte[] OptimizerState { get; }

    /// <summary>
    /// The metadata's JSON. A test loss may be infinite (a network whose training loss stays finite at an absurd rate while
    /// its running batch statistics do not), which plain JSON numbers cannot hold: such values are written as strings.
    /// </summary>
    private static readonly JsonSerializerOptions MetadataJson = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Writes the checkpoint atomically: a crash leaves the previous checkpoint in place.</summary>
    public static void Save(string path, CheckpointMetadata metadata, nn.Module model, OptimizerHelper optimizer)
    {
        using var body = new MemoryStream();
        body.Write(Magic);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(metadata, MetadataJson);
        WriteInt64(body, json.Length);
        body.Write(json);
        WriteSection(body, s => Runtime.ChannelsLast.WhileContiguous(model, () => model.save(s)));
        WriteSection(body, s =>
        {
            using var writer = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
            Runtime.ChannelsLast.MakeStateContiguous(optimizer);
            optimizer.save_state_dict(writer);
        });
        byte[] hash = SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length));
        body.Write(hash);
        try
        {
            AtomicFile.Write(path, s =>
            {
                FaultInjection.KillDuringCheckpointWrite(metadata, s, body);
                FaultInjection.FailInEpochCheckpointWrite(metadata);
                body.WriteTo(s);
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string kept = File.Exists(path) ? "the previous checkpoint is intact" : "no earlier checkpoint exists";
            throw new FileWriteException($"{path}: the checkpoint of {metadata.Position} could not be written ({e.Message}); {kept}", e);
        }
    }

    /// <summary>
    /// Writes a checkpoint of weights that were not trained by this tool (imported from another framework's file), as
    /// at the start of a run: no epochs, no history, an optimiser without state. <c>evaluate</c>, <c>predict</c> and
    /// <c>export</c> take it as they take a training run's.
    /// </summary>
    /// <param name="path">The checkpoint file to write.</param>
    /// <param name="model">The network with its weights.</param>
    /// <param name="imageSize">Side of the square input the weights were trained at.</param>
    /// <param name="labels">The class names, one per output.</param>
    public static void SaveWeights(string path, Classifier model, int imageSize, IReadOnlyList<string> labels)
    {
        var options = new TrainOptions { Model = model.GetName(), Resize = imageSize };
        var metadata = new CheckpointMetadata(CurrentFormat, model.GetName(), model.InChannels, model.NumClasses, imageSize, 0, options, [], [],
            DateTime.UtcNow, ClassNames: labels);
        using var optimizer = optim.SGD(model.parameters(), 0.1);
        Save(path, metadata, model, optimizer);
    }

    /// <summary>Reads and verifies a checkpoint.</summary>
    /// <exception cref="CheckpointException">The file is missing, not a checkpoint, truncated or corrupt.</exception>
    public static Checkpoint Read(string path)
    {
        byte[] bytes = UserFile.ReadAllBytes(path, Failure(path), notFound: "checkpoint not found", isDirectory: NotAFile);
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new CheckpointException(path, UnknownHeader);
        if (bytes.Length < Magic.Length + 8 + 32
            || !SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
            throw new CheckpointException(path, "checkpoint is truncated or corrupt (checksum mismatch)");

        // The checksum matched, so the file is as its writer made it: what does not parse below was written by
        // another version of the format, whose number is read first so that the message can name it.
        try
        {
            int offset = Magic.Length;
            var metadata = ParseMetadata(path, ReadSection(bytes, ref offset));
            var model = ReadSection(bytes, ref offset).ToArray();
            var optimizer = ReadSection(bytes, ref offset).ToArray();
            return new Checkpoint(path, metadata, model, optimizer);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            throw NotReadable(path, e);
        }
    }

    /// <summary>
    /// The metadata of a checkpoint, read without its weights and without computing its checksum: for listing many runs
    /// (googlenet runs) without reading gigabytes. A file cut short is still recognised (its length must match its
    /// sections'); damage inside the weights is left to <see cref="Read"/>.
    /// </summary>
    /// <exception cref="CheckpointException">The file is missing, not a checkpoint, cut short, or of another format.</exception>
    public static CheckpointMetadata ReadMetadata(string path)
    {
        byte[] json = UserFile.Read(path, file =>
        {
            using var stream = File.OpenRead(file);
            if (stream.Length == 0)
                throw new CheckpointException(path, "file is empty");
            byte[] magic = new byte[Magic.Length];
            if (stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) < magic.Length || !magic.AsSpan().SequenceEqual(Magic))
                throw new CheckpointException(path, UnknownHeader);
            var cut = new CheckpointException(path, "checkpoint is truncated or corrupt (its length does not match its sections)");
            // Three sections (metadata, model, optimizer), each a length and its bytes, then the 32-byte checksum.
            byte[] metadata = [];
            long end = stream.Position;
            for (int section = 0; section < 3; section++)
            {
                stream.Position = end;
                long length = ReadInt64(stream) ?? throw cut;
                if (length < 0 || length > stream.Length)
                    throw cut;
                if (section == 0)
                {
                    metadata = new byte[length];
                    if (stream.ReadAtLeast(metadata, metadata.Length, throwOnEndOfStream: false) < metadata.Length)
                        throw cut;
                }
                end = stream.Position = end + 8 + length;
            }
            if (end + 32 != stream.Length)
                throw cut;
            return metadata;
        }, Failure(path), notFound: "checkpoint not found", isDirectory: NotAFile);
        return ParseMetadata(path, json);
    }

    private const string UnknownHeader = "not a GoogLeNet.NET checkpoint (unknown file header)";
    private const string NotAFile = "is a directory, not a checkpoint file (did you mean its checkpoint.bin?)";

    private static Func<string, Exception?, Exception> Failure(string path) => (problem, inner) => new CheckpointException(path, problem, inner);

    private static CheckpointException NotReadable(string path, Exception e) =>
        new(path, $"checkpoint is not readable by this version ({e.Message.Split('\n')[0]})", e);

    /// <summary>The metadata section; its format number is read first, so that a file of another format is named as such.</summary>
    private static CheckpointMetadata ParseMetadata(string path, ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            if (!document.RootElement.TryGetProperty(nameof(CheckpointMetadata.Format), out var format) || !format.TryGetInt32(out int number))
                throw new CheckpointException(path, "checkpoint metadata has no format number");
            if (number is < 1 or > CurrentFormat)
                throw new CheckpointException(path, $"checkpoint format {number} is not supported (this version reads formats 1 to {CurrentFormat})");
            return document.Deserialize<CheckpointMetadata>(MetadataJson)
                ?? throw new CheckpointException(path, "checkpoint metadata is empty");
        }
        catch (Exception e) when (e is JsonException or ArgumentOutOfRangeException or OverflowException)
        {
            throw NotReadable(path, e);
        }
    }

    private static long? ReadInt64(Stream s)
    {
        Span<byte> buffer = stackalloc byte[8];
        return s.ReadAtLeast(buffer, 8, throwOnEndOfStream: false) < 8 ? null : BinaryPrimitives.ReadInt64LittleEndian(buffer);
    }

    /// <summary>Builds the registered model the checkpoint was saved from and loads its weights.</summary>
    public Classifier CreateModel()
    {
        var info = ModelRegistry.Find(Metadata.Model)
            ?? throw new CheckpointException(Path, $"is a checkpoint of '{Metadata.Model}', a model this version does not have");
        var model = info.Create(Metadata.InChannels, Metadata.NumClasses);
        LoadInto(model);
        Runtime.ChannelsLast.Apply(model); // how the CPU runs it fastest; inputs follow in Evaluator and Predictor
        return model;
    }

    /// <summary>
    /// Refuses a checkpoint whose network was built for other inputs or classes than <paramref name="use"/>
    /// supplies, naming both, before any weights are loaded.
    /// </summary>
    /// <exception cref="CheckpointException">The input channels or the number of classes differ.</exception>
    public Checkpoint RequireFits(int inChannels, int numClasses, string use)
    {
        if (Metadata.InChannels != inChannels || Metadata.NumClasses != numClasses)
            throw new CheckpointException(Path,
                $"is a {Metadata.Model} for {Metadata.InChannels}-channel images and {Metadata.NumClasses} classes; {use} needs {inChannels} channel{(inChannels == 1 ? "" : "s")} and {numClasses} classes");
        return this;
    }

    /// <summary>
    /// Refuses to resume a checkpoint written part-way through epoch N+1 for a run of N epochs or fewer: the epoch would be
    /// left half-trained, its points already in the history.
    /// </summary>
    /// <exception cref="GoogLeNetException">The run would end before the epoch the checkpoint is in.</exception>
    public void RequireEpochsBeyond(int epochs)
    {
        if (Metadata.InEpoch is not null && epochs <= Metadata.Epoch)
            throw new GoogLeNetException(
                $"TrainOptions.Epochs {epochs}: the run has trained part of epoch {Metadata.Epoch + 1} already ({Path} is at {Metadata.Position}); pass TrainOptions.Epochs = {Metadata.Epoch + 1} or more");
    }

    /// <summary>Loads the weights into an existing model, which must have the same architecture.</summary>
    public void LoadInto(nn.Module model)
    {
        try
        {
            using var stream = new MemoryStream(ModelState);
            model.load(stream, strict: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or EndOfStreamException)
        {
            throw new CheckpointException(Path, $"weights do not fit a {Metadata.Model} model: {e.Message.Split('\n')[0]}", e);
        }
    }

    /// <summary>Loads the saved optimiser state (SGD's momentum buffers) into <paramref name="optimizer"/>.</summary>
    /// <param name="optimizer">An optimiser of the same kind, over the parameters of a model of the same architecture.</param>
    public void LoadOptimizer(OptimizerHelper optimizer)
    {
        using var reader = new BinaryReader(new MemoryStream(OptimizerState));
        optimizer.load_state_dict(reader);
    }

    private static void WriteSection(MemoryStream body, Action<Stream> write)
    {
        var section = new MemoryStream();
        write(section); // TorchSharp's save closes the stream; ToArray still works on a closed MemoryStream
        byte[] bytes = section.ToArray();
        WriteInt64(body, bytes.Length);
        body.Write(bytes);
    }

    private static void WriteInt64(Stream s, long value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(buffer, value);
        s.Write(buffer);
    }

    private static ReadOnlySpan<byte> ReadSection(byte[] bytes, ref int offset)
    {
        long length = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(offset));
        offset += 8;
        var section = bytes.AsSpan(offset, checked((int)length));
        offset += (int)length;
        return section;
    }
}

/// <summary>A checkpoint that can't be used: missing, not a checkpoint, damaged, or of another model.</summary>
public sealed class CheckpointException(string path, string problem, Exception? inner = null)
    : GoogLeNetException($"{path}: {problem}", inner);
