namespace GoogLeNet.Models;

/// <summary>
/// Output channels of the four paths of one Inception block, in the chapter's notation
/// <c>Inception(c1, (c2[0], c2[1]), (c3[0], c3[1]), c4)</c>.
/// </summary>
/// <param name="C1">Path 1: 1x1 convolution.</param>
/// <param name="C2Reduce">Path 2: 1x1 reduction before the 3x3 convolution.</param>
/// <param name="C2">Path 2: 3x3 convolution.</param>
/// <param name="C3Reduce">Path 3: 1x1 reduction before the 5x5 convolution.</param>
/// <param name="C3">Path 3: 5x5 convolution.</param>
/// <param name="C4">Path 4: 1x1 convolution after the 3x3 max-pool.</param>
public sealed record InceptionSpec(int C1, int C2Reduce, int C2, int C3Reduce, int C3, int C4)
{
    /// <summary>Channels of the concatenated output.</summary>
    public int OutChannels => C1 + C2 + C3 + C4;
}
