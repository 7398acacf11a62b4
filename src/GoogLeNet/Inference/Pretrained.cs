using GoogLeNet.Interop;
using GoogLeNet.Models;

namespace GoogLeNet.Inference;

/// <summary>
/// The trained model that ships with the tool: the best Fashion-MNIST weights this project has trained, as a
/// safetensors file that names its model, input size and classes (docs/pretrained.md is its model card).
/// </summary>
public static class Pretrained
{
    /// <summary>The file's name, in the <c>models</c> folder beside the program.</summary>
    public const string FileName = "googlenet-bn-fashion-mnist.safetensors";

    /// <summary>Where the program looks for the file: <c>models/</c> beside its own assembly.</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "models", FileName);

    /// <summary>The shipped network, with its weights loaded, in evaluation mode, and what its file says of it.</summary>
    /// <param name="path">The weights file; null for <see cref="DefaultPath"/>.</param>
    /// <exception cref="StateDictException">The file is missing or damaged.</exception>
    public static (Classifier Model, WeightsFileInfo Info) Load(string? path = null)
    {
        string file = path ?? DefaultPath;
        if (!File.Exists(file))
            throw new StateDictException(file, "the shipped model is missing from this installation (it is built into the program's models folder)");
        return StateDicts.Load(file, WeightsFormat.Safetensors);
    }
}
