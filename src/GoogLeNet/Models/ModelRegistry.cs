namespace GoogLeNet.Models;

/// <summary>One model that the tools can build by name.</summary>
/// <param name="Name">Registry name, as given to <c>--model</c>.</param>
/// <param name="Description">One line for listings.</param>
/// <param name="DefaultSize">Side of the square input the model is meant for.</param>
/// <param name="DefaultChannels">Input channels the model is meant for.</param>
/// <param name="Create">Builds the model for (input channels, classes), uninitialised beyond framework defaults.</param>
/// <param name="ReferenceClasses">Classes of the reference definition (the book's 10; the paper's 1,000 for the 2014 network).</param>
public sealed record ModelInfo(string Name, string Description, int DefaultSize, int DefaultChannels, Func<int, int, Classifier> Create,
    int ReferenceClasses = 10);

/// <summary>Every model the command-line tool and the analyses know by name.</summary>
public static class ModelRegistry
{
    /// <summary>Every registered model, in the order listings show them.</summary>
    public static IReadOnlyList<ModelInfo> All { get; } =
    [
        new("googlenet", "The chapter's simplified GoogLeNet (b1..b5, nine Inception blocks, global average pooling)",
            DefaultSize: 96, DefaultChannels: 1, (c, k) => new ChapterGoogLeNet(c, k)),
        new("googlenet-bn", "The chapter's GoogLeNet with batch normalisation after every convolution (Ioffe & Szegedy 2015)",
            DefaultSize: 96, DefaultChannels: 1, (c, k) => new ChapterGoogLeNet(c, k, batchNorm: true)),
        new("inception-v3", "Inception-v3 ideas at this scale: factorised convolutions, grid-size reduction blocks, batch norm (Szegedy et al. 2016)",
            DefaultSize: 96, DefaultChannels: 1, (c, k) => new InceptionV3(c, k)),
        new("inception-resnet", "Inception-ResNet at this scale: residual Inception blocks with scaled, projected sums, reduction blocks, batch norm (Szegedy et al. 2017)",
            DefaultSize: 96, DefaultChannels: 1, (c, k) => new InceptionResNet(c, k)),
        new("googlenet-original", "GoogLeNet as in Szegedy et al. 2014: LRN, ceil-mode pools, dropout 0.4, two auxiliary classifiers",
            DefaultSize: 224, DefaultChannels: 3, (c, k) => new OriginalGoogLeNet(c, k), ReferenceClasses: 1000),
        new("alexnet", "AlexNet as the book defines it (5 convolutions, 3 fully connected layers sized for 224x224)",
            DefaultSize: 224, DefaultChannels: 1, (c, k) => new AlexNet(c, k)),
        new("vgg11", "VGG-11 as the book defines it (8 convolutions in 5 blocks, 3 fully connected layers sized for 224x224)",
            DefaultSize: 224, DefaultChannels: 1, (c, k) => new Vgg11(c, k)),
        new("nin", "Network in Network as the book defines it (4 NiN blocks, global average pooling)",
            DefaultSize: 224, DefaultChannels: 1, (c, k) => new NiN(c, k)),
    ];

    /// <summary>The registered names, in the order of <see cref="All"/>.</summary>
    public static IEnumerable<string> Names => All.Select(m => m.Name);

    /// <summary>The model of that name (case-insensitive), or null.</summary>
    public static ModelInfo? Find(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Finds a model by name (case-insensitive).</summary>
    /// <exception cref="GoogLeNetException">No model has that name.</exception>
    public static ModelInfo Get(string name) =>
        Find(name)
        ?? throw new GoogLeNetException($"unknown model '{name}'; known models: {string.Join(", ", Names)}");
}
