using System.Text.Json;
using GoogLeNet.Data;
using GoogLeNet.Tests.Cli;
using GoogLeNet.Training;

namespace GoogLeNet.Tests.Data;

/// <summary>IDX sets of the MNIST family other than Fashion-MNIST: other image sizes, other numbers of classes, named by classes.txt.</summary>
public class IdxSetTests
{
    /// <summary>Writes train and test IDX files of <paramref name="size"/>-pixel images whose brightness grows with the label.</summary>
    private static string Write(string dir, byte[] trainLabels, byte[] testLabels, int size = 16)
    {
        Directory.CreateDirectory(dir);
        foreach (var (prefix, labels) in new[] { ("train", trainLabels), ("t10k", testLabels) })
        {
            File.WriteAllBytes(Path.Combine(dir, $"{prefix}-images-idx3-ubyte"),
                IdxWriter.Images(labels.Length, size, size, (n, r, c) => (byte)(labels[n] * 9 + (r + c) % 5)));
            File.WriteAllBytes(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte"), IdxWriter.Labels(labels));
        }
        return dir;
    }

    private static byte[] Cycle(int count, int classes) => Enumerable.Range(0, count).Select(i => (byte)(i % classes)).ToArray();

    [Fact]
    public void ASetWithMoreThanTenClassesGetsThemNumbered()
    {
        using var dir = new TempDirectory();
        Write(dir.Path, Cycle(45, 15), Cycle(20, 13), size: 20);
        var (train, test) = FashionMnist.LoadBoth(dir.Path, trainLimit: 5, testLimit: null);
        // The classes come from all training labels, not from the five that the limit keeps.
        Assert.Equal(15, train.NumClasses);
        Assert.Equal(Enumerable.Range(0, 15).Select(i => i.ToString()), train.ClassNames);
        Assert.Equal(15, test.NumClasses);
        Assert.Equal((20, 20), (train.Rows, train.Cols));
        Assert.Equal(5, train.Count);
    }

    [Fact]
    public void TenClassesOrFewerAreFashionMnistsUnlessClassesTxtNamesThem()
    {
        using var dir = new TempDirectory();
        Write(dir.Path, Cycle(30, 10), Cycle(10, 10));
        Assert.Equal(FashionMnist.ClassNames, FashionMnist.LoadBoth(dir.Path, null, null).Train.ClassNames);
        string[] digits = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
        File.WriteAllLines(dir[FashionMnist.ClassNamesFile], [.. digits, ""]);
        var (train, test) = FashionMnist.LoadBoth(dir.Path, null, null);
        Assert.Equal(digits, train.ClassNames);
        Assert.Equal(digits, test.ClassNames);
    }

    public static TheoryData<string, string[], string> BadClassFiles() => new()
    {
        { "blank line", ["a", "", "b", "c", "d"], "classes.txt: line 2 is empty; write one class name a line" },
        { "one name", ["a"], "classes.txt: names 1 class; a classifier needs two or more" },
        { "a name twice", ["a", "b", "a", "c"], "classes.txt: names the class 'a' twice" },
        { "too few names", ["a", "b", "c"], "t10k-labels-idx1-ubyte: label 3 at index 3 is outside 0..2 (classes.txt names 3)" },
    };

    [Theory]
    [MemberData(nameof(BadClassFiles))]
    public void ABadClassesTxtIsOneLineNamingTheFile(string _, string[] lines, string message)
    {
        using var dir = new TempDirectory();
        Write(dir.Path, Cycle(12, 3), Cycle(8, 4));
        File.WriteAllLines(dir[FashionMnist.ClassNamesFile], lines);
        var e = Assert.Throws<DataFileException>(() => FashionMnist.LoadBoth(dir.Path, null, null));
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void TestLabelsOutsideTheTrainingClassesAndASingleClassAreRefused()
    {
        using var dir = new TempDirectory();
        Write(dir.Path, Cycle(24, 12), [0, 1, 12, 3]);
        var e = Assert.Throws<DataFileException>(() => FashionMnist.LoadBoth(dir.Path, null, null));
        Assert.Equal($"{dir["t10k-labels-idx1-ubyte"]}: label 12 at index 2 is outside 0..11, the classes of the training labels", e.Message);

        using var one = new TempDirectory();
        Write(one.Path, new byte[6], new byte[2]);
        e = Assert.Throws<DataFileException>(() => FashionMnist.LoadBoth(one.Path, null, null));
        Assert.Equal($"{one["train-labels-idx1-ubyte"]}: every training label is 0; a classifier needs two or more classes", e.Message);
    }

    [Fact]
    public void ATwelveClassSetTrainsAndEvaluatesWithItsNamesFromTheCheckpoint()
    {
        using var dir = new TempDirectory();
        string data = Write(dir["data"], Cycle(48, 12), Cycle(24, 12));
        var names = Enumerable.Range(0, 12).Select(i => $"class-{(char)('a' + i)}").ToArray();
        File.WriteAllLines(Path.Combine(data, FashionMnist.ClassNamesFile), names);
        var train = CliRunner.Run("train", "--data", data, "--out", dir["run"], "--epochs", "1", "--resize", "32", "--batch-size", "8",
            "--threads", "1", "--precision", "fp32");
        Assert.True(train.ExitCode == 0, train.Stderr);
        var metadata = Checkpoint.ReadMetadata(Path.Combine(dir["run"], RunFolder.CheckpointFile));
        Assert.Equal((1, 12, 32), (metadata.InChannels, metadata.NumClasses, metadata.ImageSize));
        Assert.Equal(names, metadata.Labels);

        var evaluate = CliRunner.Run("evaluate", "--checkpoint", dir["run"], "--data", data, "--json", "--precision", "fp32");
        Assert.True(evaluate.ExitCode == 0, evaluate.Stderr);
        using var json = JsonDocument.Parse(evaluate.Stdout);
        Assert.Equal(24, json.RootElement.GetProperty("examples").GetInt32());
        Assert.Equal(names, json.RootElement.GetProperty("per_class").EnumerateArray().Select(c => c.GetProperty("label").GetString()));
        Assert.Equal(12, json.RootElement.GetProperty("confusion").GetArrayLength());

        // Other names beside the files than the checkpoint's: refused, naming the file.
        File.WriteAllLines(Path.Combine(data, FashionMnist.ClassNamesFile), names.Reverse());
        var other = CliRunner.Run("evaluate", "--checkpoint", dir["run"], "--data", data);
        Assert.Equal(2, other.ExitCode);
        Assert.StartsWith($"googlenet: error: {Path.Combine(data, FashionMnist.ClassNamesFile)}: names other classes (class-l, class-k", other.Stderr);
    }
}
