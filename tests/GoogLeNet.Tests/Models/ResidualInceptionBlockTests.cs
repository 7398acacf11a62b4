using GoogLeNet.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GoogLeNet.Tests.Models;

public class ResidualInceptionBlockTests
{
    private static ResidualInceptionBlock Block(double scale) => new(new ConcatBranches("b", 3 + 5,
        Sequential(new ConvBnRelu(6, 3, 1)), Sequential(new ConvBnRelu(6, 5, 3))), channels: 6, scale);

    [Fact]
    public void ScaleZeroLeavesOnlyTheShortcut()
    {
        using var block = Block(0);
        block.eval();
        using var x = randn(2, 6, 5, 5);
        using var y = block.call(x);
        using var expected = functional.relu(x);
        Assert.True(y.allclose(expected));
    }

    [Fact]
    public void TheScaledBranchSumIsAddedToTheInput()
    {
        using var small = Block(0.1);
        using var large = Block(0.3);
        large.load_state_dict(small.state_dict());
        small.eval();
        large.eval();
        using var x = randn(1, 6, 4, 4).abs().add(5); // positive enough that ReLU passes everything
        using var ySmall = small.call(x);
        using var yLarge = large.call(x);
        // relu(x + s * f(x)) with the same f: the difference from x grows threefold from s = 0.1 to 0.3.
        using var dSmall = ySmall - x;
        using var dLarge = yLarge - x;
        Assert.True(dLarge.allclose(dSmall * 3, rtol: 1e-4, atol: 1e-5));
        Assert.Equal(x.shape, ySmall.shape);
    }
}
