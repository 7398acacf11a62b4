using GoogLeNet.Models;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Models;

public class InceptionBlockTests
{
    /// <summary>The nine blocks of the chapter with the input channels each one receives.</summary>
    public static TheoryData<int, InceptionSpec, int> ChapterBlocks()
    {
        int[] expectedOut = [256, 480, 512, 512, 512, 528, 832, 832, 1024];
        var data = new TheoryData<int, InceptionSpec, int>();
        int channels = 192, i = 0;
        foreach (var spec in ChapterGoogLeNet.StageSpecs.SelectMany(s => s))
        {
            data.Add(channels, spec, expectedOut[i++]);
            channels = spec.OutChannels;
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ChapterBlocks))]
    public void OutputHasTheSumOfThePathChannelsAndKeepsTheSpatialSize(int inChannels, InceptionSpec spec, int expected)
    {
        Assert.Equal(expected, spec.OutChannels);
        using var block = new InceptionBlock(inChannels, spec);
        using var x = randn(2, inChannels, 5, 7);
        using var y = block.call(x);
        Assert.Equal(new long[] { 2, expected, 5, 7 }, y.shape);
    }

    [Fact]
    public void AnyChannelCountsWork()
    {
        using var block = new InceptionBlock(3, new InceptionSpec(1, 2, 3, 4, 5, 6));
        using var y = block.call(randn(1, 3, 4, 4));
        Assert.Equal(new long[] { 1, 1 + 3 + 5 + 6, 4, 4 }, y.shape);
    }

    [Fact]
    public void PathsAreConcatenatedInOrder()
    {
        // Path 1 alone is a 1x1 conv + ReLU: its channels must be the first C1 of the output.
        using var block = new InceptionBlock(4, new InceptionSpec(2, 3, 3, 1, 1, 1));
        using var x = randn(1, 4, 3, 3);
        using var y = block.call(x);
        var p1 = (TorchSharp.Modules.Sequential)block.named_children().First(c => c.name == "p1").module;
        using var expected = p1.call(x);
        Assert.True(y.narrow(1, 0, 2).allclose(expected));
    }
}
