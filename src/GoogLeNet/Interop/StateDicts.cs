using System.Text.RegularExpressions;
using GoogLeNet.Models;
using static TorchSharp.torch;

namespace GoogLeNet.Interop;

/// <summary>The file formats a network's weights are exchanged in.</summary>
public enum WeightsFormat
{
    /// <summary>A PyTorch state dict, as <c>torch.save(net.state_dict(), f)</c> writes it (<c>.pt</c>, <c>.pth</c>).</summary>
    PyTorch,

    /// <summary>The safetensors format (<c>.safetensors</c>): the same tensors, with a metadata map of strings.</summary>
    Safetensors,
}

/// <summary>What a weights file says of the network it holds.</summary>
/// <param name="Model">The registered model name.</param>
/// <param name="Channels">Input channels.</param>
/// <param name="ImageSize">Side of the square input.</param>
/// <param name="Labels">Class names in the order of the outputs.</param>
/// <param name="Metadata">The file's metadata map (empty for a PyTorch file).</param>
public sealed record WeightsFileInfo(string Model, int Channels, int ImageSize, IReadOnlyList<string> Labels, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// A network's weights to and from PyTorch state-dict and safetensors files. For the chapter's network
/// (<c>googlenet</c>) the keys are those of the book's PyTorch cell (<c>0.0.weight</c> ...
/// <c>2.0.p1_1.weight</c> ... <c>5.bias</c>), so the book's <c>net.load_state_dict(torch.load(f))</c> reads an
/// exported file and a file the book's code saved imports here; other models keep this project's names.
/// </summary>
public static partial class StateDicts
{
    /// <summary>The file's key of one of the network's state-dict entries: the book's for <c>googlenet</c>, its own otherwise.</summary>
    /// <param name="model">The network.</param>
    /// <param name="key">The entry's name in <c>model.state_dict()</c>.</param>
    public static string FileKey(Classifier model, string key) => UsesBookKeys(model) ? BookKey(key) : key;

    /// <summary>Whether the network's files use the book's keys (the chapter's network without batch norm).</summary>
    public static bool UsesBookKeys(Classifier model) => model is ChapterGoogLeNet && model.GetName() == "googlenet";

    /// <summary>
    /// The book's key for an entry of <see cref="ChapterGoogLeNet"/>: stages b1..b5 and the head are the
    /// Sequential's items 0..5, and an Inception block's paths are p1_1, p2_1, p2_2, p3_1, p3_2 and p4_2.
    /// </summary>
    internal static string BookKey(string key)
    {
        var m = OurKey().Match(key);
        if (!m.Success)
            throw new GoogLeNetException($"state dict: '{key}' is not a key of the chapter's network");
        string stage = m.Groups["stage"].Value == "head" ? "5" : (m.Groups["stage"].Value[1] - '1').ToString(System.Globalization.CultureInfo.InvariantCulture);
        string rest = m.Groups["rest"].Value;
        var path = InceptionPath().Match(rest);
        if (path.Success)
        {
            string layer = (path.Groups["path"].Value, path.Groups["layer"].Value) switch
            {
                ("1", "0") => "p1_1",
                ("2", "0") => "p2_1",
                ("2", "2") => "p2_2",
                ("3", "0") => "p3_1",
                ("3", "2") => "p3_2",
                ("4", "1") => "p4_2",
                _ => throw new GoogLeNetException($"state dict: '{key}' is not a key of the chapter's network"),
            };
            rest = $"{path.Groups["block"].Value}.{layer}.{path.Groups["tensor"].Value}";
        }
        return $"{stage}.{rest}";
    }

    [GeneratedRegex(@"^(?<stage>b[1-5]|head)\.(?<rest>.+)$")]
    private static partial Regex OurKey();

    [GeneratedRegex(@"^(?<block>\d+)\.p(?<path>[1-4])\.(?<layer>\d+)\.(?<tensor>[a-z_]+)$")]
    private static partial Regex InceptionPath();

    /// <summary>The network's state dict as the file holds it: its keys (<see cref="FileKey"/>) and tensors in the standard layout.</summary>
    internal static IReadOnlyList<(string Key, StateDictTensor Tensor)> Entries(Classifier model) =>
        model.state_dict().Select(kv => (FileKey(model, kv.Key), StateDictTensor.Of(kv.Value))).ToList();

    /// <summary>Writes the network's weights to <paramref name="path"/>, atomically.</summary>
    /// <param name="model">The network.</param>
    /// <param name="format">The file format.</param>
    /// <param name="path">The file to write.</param>
    /// <param name="metadata">For safetensors, the strings to keep in its <c>__metadata__</c> (a PyTorch state dict has no place for them).</param>
    public static void Save(Classifier model, WeightsFormat format, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var entries = Entries(model);
        Training.AtomicFile.Write(path, stream =>
        {
            if (format == WeightsFormat.PyTorch)
                PyTorchFile.Write(stream, entries);
            else
                SafetensorsFile.Write(stream, entries, metadata);
        });
    }

    /// <summary>The tensors of a file and, for safetensors, its metadata.</summary>
    /// <exception cref="StateDictException">The file is missing, of another format, damaged, or asks for more than tensors.</exception>
    internal static (IReadOnlyList<(string Key, StateDictTensor Tensor)> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path, WeightsFormat format)
    {
        return UserFile.Read(path, file =>
        {
            using var stream = File.OpenRead(file);
            return format == WeightsFormat.PyTorch
                ? (PyTorchFile.Read(path, stream), new Dictionary<string, string>())
                : SafetensorsFile.Read(path, stream);
        }, (problem, inner) => new StateDictException(path, problem, inner), isDirectory: "is a directory, not a state-dict file");
    }

    /// <summary>Reads the metadata map of a safetensors file (empty for a PyTorch file) without keeping its tensors.</summary>
    /// <param name="path">The file.</param>
    /// <param name="format">Its format.</param>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path, WeightsFormat format) => Read(path, format).Metadata;

    /// <summary>
    /// Builds the network a weights file holds and loads its weights. A safetensors file written by this tool names its
    /// model, input size and classes in its metadata; for another file <paramref name="model"/> names the model, the
    /// channels and classes are read off the weights, and the size is the model's default unless given.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="format">Its format.</param>
    /// <param name="model">The registered model; null to take it from the file's metadata.</param>
    /// <param name="imageSize">The input size the weights were trained at; null for the file's or the model's default.</param>
    /// <exception cref="StateDictException">The file cannot be read or does not fit the model.</exception>
    public static (Classifier Model, WeightsFileInfo Info) Load(string path, WeightsFormat format, string? model = null, int? imageSize = null)
    {
        var (tensors, metadata) = Read(path, format);
        metadata.TryGetValue("model", out var recorded);
        if (model is not null && recorded is not null && !string.Equals(model, recorded, StringComparison.OrdinalIgnoreCase))
            throw new StateDictException(path, $"holds a {recorded} (its metadata says so), not a {model}");
        string name = model ?? recorded
            ?? throw new StateDictException(path, "does not say which model it holds; name the model (StateDicts.Load(model))");
        var info = ModelRegistry.Find(name) ?? throw new StateDictException(path, $"is of '{name}', a model this version does not have");
        var (channels, classes) = Dimensions(info.Name, tensors, path);
        int size = imageSize
            ?? (metadata.TryGetValue("image_size", out var s) && int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int recordedSize)
                ? recordedSize : info.DefaultSize);
        IReadOnlyList<string>? labels = null;
        if (metadata.TryGetValue("classes", out var json))
        {
            try
            {
                labels = System.Text.Json.JsonSerializer.Deserialize<string[]>(json);
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new StateDictException(path, "its metadata's classes are not a JSON array of strings", e);
            }
            if (labels is null || labels.Count != classes)
                throw new StateDictException(path, $"its metadata names {labels?.Count ?? 0} classes for a network of {classes} outputs");
        }
        labels ??= classes == Data.FashionMnist.ClassNames.Count
            ? Data.FashionMnist.ClassNames
            : Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();

        var network = info.Create(channels, classes);
        try
        {
            LoadInto(network, tensors, path);
        }
        catch
        {
            network.Dispose();
            throw;
        }
        network.eval();
        Runtime.ChannelsLast.Apply(network);
        return (network, new WeightsFileInfo(info.Name, channels, size, labels, metadata));
    }

    /// <summary>
    /// The input channels and classes a registered model must be built with to take the file's weights, read off the
    /// file's first and last entries (the stem's convolution and the classifier).
    /// </summary>
    /// <param name="modelName">The registered model.</param>
    /// <param name="tensors">The file's tensors.</param>
    /// <param name="path">The file, for messages.</param>
    internal static (int Channels, int Classes) Dimensions(string modelName, IReadOnlyList<(string Key, StateDictTensor Tensor)> tensors, string path)
    {
        var info = ModelRegistry.Get(modelName);
        using var probe = info.Create(info.DefaultChannels, 10);
        var keys = probe.named_parameters().Select(p => FileKey(probe, p.name)).ToList();
        string first = keys[0], last = keys[^1];
        var byKey = tensors.ToDictionary(t => t.Key, t => t.Tensor);
        if (!byKey.TryGetValue(first, out var stem) || stem.Shape.Length < 2)
            throw new StateDictException(path, $"has no '{first}' (the first entry of a {modelName} state dict){OtherLayout(modelName, tensors)}");
        if (!byKey.TryGetValue(last, out var classifier) || classifier.Shape.Length < 1)
            throw new StateDictException(path, $"has no '{last}' (the last entry of a {modelName} state dict)");
        return ((int)stem.Shape[1], (int)classifier.Shape[0]);
    }

    /// <summary>
    /// Copies the file's tensors into the network, after checking that they fit: every key of the network present,
    /// no key it has no place for, and each tensor of the network's shape and element type. Nothing is copied
    /// unless all fit.
    /// </summary>
    /// <exception cref="StateDictException">A key, shape or element type does not fit: names the first and what was expected.</exception>
    internal static void LoadInto(Classifier model, IReadOnlyList<(string Key, StateDictTensor Tensor)> tensors, string path)
    {
        var byKey = new Dictionary<string, StateDictTensor>();
        foreach (var (key, tensor) in tensors)
            if (!byKey.TryAdd(key, tensor))
                throw new StateDictException(path, $"holds '{key}' twice");
        var state = model.state_dict();
        var wanted = state.Select(kv => (Ours: kv.Key, File: FileKey(model, kv.Key), Target: kv.Value)).ToList();
        foreach (var (_, fileKey, target) in wanted)
        {
            if (!byKey.TryGetValue(fileKey, out var t))
                throw new StateDictException(path, $"has no '{fileKey}', which a {model.GetName()} needs ({StateDictTensor.TypeName(target.dtype)} [{string.Join(", ", target.shape)}]){OtherLayout(model.GetName(), tensors)}");
            if (!t.Shape.SequenceEqual(target.shape) || t.Type != target.dtype)
                throw new StateDictException(path, $"'{fileKey}' is {t.Describe()}, where a {model.GetName()} has {StateDictTensor.TypeName(target.dtype)} [{string.Join(", ", target.shape)}]");
        }
        var extra = byKey.Keys.Except(wanted.Select(w => w.File)).FirstOrDefault();
        if (extra is not null)
            throw new StateDictException(path, $"holds '{extra}', which a {model.GetName()} has no place for{OtherLayout(model.GetName(), tensors)}");
        using var _ = no_grad();
        foreach (var (_, fileKey, target) in wanted)
        {
            using var source = byKey[fileKey].ToTensor();
            target.copy_(source);
        }
    }

    /// <summary>A hint when the file's keys look like another registered model's.</summary>
    private static string OtherLayout(string modelName, IReadOnlyList<(string Key, StateDictTensor Tensor)> tensors)
    {
        var fileKeys = tensors.Select(t => t.Key).ToHashSet();
        foreach (var info in ModelRegistry.All)
        {
            if (info.Name == modelName)
                continue;
            using var probe = info.Create(info.DefaultChannels, 10);
            var keys = probe.state_dict().Keys.Select(k => FileKey(probe, k)).ToHashSet();
            if (keys.SetEquals(fileKeys))
                return $" (its keys are those of a {info.Name})";
        }
        return "";
    }
}
