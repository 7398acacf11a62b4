using GoogLeNet.Data;

namespace GoogLeNet.Tests;

/// <summary>
/// A fact that needs the real Fashion-MNIST from Debian's dataset-fashion-mnist package (.ci/run installs
/// it); reported as skipped, not passed, where it is missing.
/// </summary>
public sealed class FashionMnistFactAttribute : FactAttribute
{
    public FashionMnistFactAttribute()
    {
        if (!File.Exists(Path.Combine(FashionMnist.SystemDirectory, "train-images-idx3-ubyte.gz")))
            Skip = $"Fashion-MNIST is not installed in {FashionMnist.SystemDirectory} (apt-get install dataset-fashion-mnist)";
    }
}
