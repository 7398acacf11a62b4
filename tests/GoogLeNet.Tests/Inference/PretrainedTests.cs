using System.Security.Cryptography;
using System.Text.RegularExpressions;
using GoogLeNet.Data;
using GoogLeNet.Inference;
using GoogLeNet.Training;
using GoogLeNet.Tests.Cli;

namespace GoogLeNet.Tests.Inference;

/// <summary>The model that ships with the tool is the one its card (docs/pretrained.md) describes.</summary>
public class PretrainedTests
{
    private static string Card => File.ReadAllText(Path.Combine(Repository.Root, "docs", "pretrained.md"));

    [Fact]
    public void TheShippedFileIsTheCardsByItsHashAndSize()
    {
        string expected = Regex.Match(Card, @"SHA-256 `([0-9a-f]{64})`").Groups[1].Value;
        Assert.NotEqual("", expected);
        Assert.True(File.Exists(Pretrained.DefaultPath), $"{Pretrained.DefaultPath} is missing from the build output");
        using var stream = File.OpenRead(Pretrained.DefaultPath);
        Assert.Equal(expected, Convert.ToHexStringLower(SHA256.HashData(stream)));
        Assert.True(stream.Length <= 25_000_000, $"the shipped file is {stream.Length:N0} bytes, more than 25 MB");
    }

    [FashionMnistFact]
    public void ItsAccuracyOnTheFirstThousandTestImagesIsTheCards()
    {
        var match = Regex.Match(Card, @"first 1,000 test images \(float32\): test acc (0\.\d{3})");
        Assert.True(match.Success, "the card states no accuracy on the first 1,000 test images");
        var (model, info) = Pretrained.Load();
        using (model)
        {
            Assert.Equal("googlenet-bn", info.Model);
            Assert.Equal(FashionMnist.ClassNames, info.Labels);
            var test = FashionMnist.Load(FashionMnist.SystemDirectory, train: false, 1000);
            var result = Evaluator.Evaluate(model, test, info.ImageSize, batchSize: 250);
            Assert.Equal(match.Groups[1].Value, result.Accuracy.ToString("F3", System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void PredictWithThePretrainedModelNeedsNoCheckpointAndNoData()
    {
        string picture = Path.Combine(Repository.Root, "examples", "GoogLeNet.Example", "ankle-boot.png");
        var result = InProcessCli.Run("predict", "--pretrained", "--json", picture);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("\"label\":\"Ankle boot\"", result.Stdout.Split("},{")[0]); // its first class
    }
}
