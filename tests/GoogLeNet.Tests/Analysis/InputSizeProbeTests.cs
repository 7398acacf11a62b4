using GoogLeNet.Analysis;
using GoogLeNet.Models;

namespace GoogLeNet.Tests.Analysis;

public class InputSizeProbeTests
{
    public static TheoryData<string> Names() => new(ModelRegistry.Names);

    private static bool Accepts(ModelInfo info, int size)
    {
        using var model = info.Create(info.DefaultChannels, 10);
        try
        {
            ModelSummary.Of(info.Name, model, size, info.DefaultChannels);
            return true;
        }
        catch (GoogLeNetException)
        {
            return false;
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void TheModelRunsAtMinSizeAndRefusesOneLess(string name)
    {
        var info = ModelRegistry.Get(name);
        var range = InputSizeProbe.Find(info, info.DefaultChannels);
        Assert.True(Accepts(info, range.MinSize));
        if (range.MinSize > 1)
            Assert.False(Accepts(info, range.MinSize - 1));
        if (range.MaxSize is { } max)
        {
            Assert.True(Accepts(info, max));
            Assert.False(Accepts(info, max + 1));
        }
        // Every model is meant for its default size.
        Assert.InRange(info.DefaultSize, range.MinSize, range.MaxSize ?? int.MaxValue);
    }

    [Fact]
    public void KnownAnswers()
    {
        Assert.Equal(new SizeRange("googlenet", 1, null, null, null), InputSizeProbe.Find(ModelRegistry.Get("googlenet")));
        var alexnet = InputSizeProbe.Find(ModelRegistry.Get("alexnet"));
        // The 6,400-input layer needs a 5x5 final map: 193..224 give one (conv 11/4 pad 1, three 3/2 pools).
        Assert.Equal((193, 224), (alexnet.MinSize, alexnet.MaxSize!.Value));
    }
}
