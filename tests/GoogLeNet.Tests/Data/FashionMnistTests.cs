using GoogLeNet.Cli;
using System.Net;
using GoogLeNet.Data;

namespace GoogLeNet.Tests.Data;

public class FashionMnistTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LoadsBothSplitsRawOrGzipped(bool gzip)
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir.Path, 50, 20, gzip: gzip);
        var (train, test) = FashionMnist.LoadBoth(dir.Path, null, null);
        Assert.Equal(50, train.Count);
        Assert.Equal(20, test.Count);
        Assert.Equal(28, train.Rows);
        Assert.Equal(50 * 28 * 28, train.Images.Length);
        var (small, _) = FashionMnist.LoadBoth(dir.Path, 7, 3);
        Assert.Equal(7, small.Count);
        Assert.Equal(train.Labels[..7], small.Labels);
    }

    [Fact]
    public void ImageAndLabelCountsMustAgree()
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir.Path, 10, 10);
        File.WriteAllBytes(dir["train-labels-idx1-ubyte"], IdxWriter.Labels([1, 2, 3]));
        var e = Assert.Throws<DataFileException>(() => FashionMnist.Load(dir.Path, train: true));
        Assert.Equal($"{dir["train-labels-idx1-ubyte"]}: has 3 labels but train-images-idx3-ubyte has 10 images", e.Message);
    }

    [Fact]
    public void TestLabelsOutsideTheTrainingSetsTenClassesAreRejected()
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir.Path, 3, 3);
        File.WriteAllBytes(dir["t10k-labels-idx1-ubyte"], IdxWriter.Labels([1, 12, 3]));
        var e = Assert.Throws<DataFileException>(() => FashionMnist.LoadBoth(dir.Path, null, null));
        Assert.Equal($"{dir["t10k-labels-idx1-ubyte"]}: label 12 at index 1 is outside 0..9, the classes of the training labels", e.Message);
    }

    [Fact]
    public void TrainAndTestImagesMustHaveOneSize()
    {
        using var dir = new TempDirectory();
        IdxWriter.WriteDataset(dir.Path, 3, 3);
        File.WriteAllBytes(dir["t10k-images-idx3-ubyte"], IdxWriter.Images(3, 20, 20, (_, _, _) => 0));
        var e = Assert.Throws<DataFileException>(() => FashionMnist.LoadBoth(dir.Path, null, null));
        Assert.Contains("test images are 20x20 but training images are 28x28", e.Message);
    }

    [Fact]
    public void AnExplicitFolderMustHoldAllFourFiles()
    {
        using var dir = new TempDirectory();
        Assert.Contains("folder not found (from --data)",
            ErrorReport.InOptionNames(Assert.Throws<DataFileException>(() => FashionMnist.Locate(dir["absent"])).Message));
        IdxWriter.WriteDataset(dir.Path, 3, 3);
        File.Delete(dir["t10k-labels-idx1-ubyte"]);
        var e = Assert.Throws<DataFileException>(() => FashionMnist.Locate(dir.Path));
        Assert.Contains("t10k-labels-idx1-ubyte: file not found", e.Message);
        e = Assert.Throws<DataFileException>(() => FashionMnist.Locate(null, dir.Path));
        Assert.Contains(FashionMnist.EnvironmentVariable, e.Message);
    }

    [Fact]
    public void SearchOrderIsOptionThenVariableThenFallbacks()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        using var empty = new TempDirectory();
        IdxWriter.WriteDataset(a.Path, 3, 3);
        IdxWriter.WriteDataset(b.Path, 3, 3, gzip: true);
        Assert.Equal(a.Path, FashionMnist.Locate(a.Path, b.Path)!.Directory);
        Assert.Equal(b.Path, FashionMnist.Locate(null, b.Path)!.Directory);
        Assert.Equal(b.Path, FashionMnist.Locate(null, "", [empty.Path, b.Path, a.Path])!.Directory);
        Assert.Null(FashionMnist.Locate(null, "", [empty.Path]));
    }

    [Fact]
    public async Task OfflineDownloadSaysWhatToDoInOneLine()
    {
        using var dir = new TempDirectory();
        using var client = new HttpClient(new Handler(_ => throw new HttpRequestException("Name or service not known")));
        var e = await Assert.ThrowsAsync<GoogLeNetException>(() => FashionMnist.DownloadAsync(dir.Path, null, client));
        Assert.DoesNotContain("\n", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains("--data", ErrorReport.InOptionNames(e.Message));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task ADownloadWithTheWrongChecksumIsNotKept()
    {
        using var dir = new TempDirectory();
        using var client = new HttpClient(new Handler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([1, 2, 3]) }));
        var e = await Assert.ThrowsAsync<GoogLeNetException>(() => FashionMnist.DownloadAsync(dir.Path, null, client, "http://example.invalid/"));
        Assert.Contains("train-images-idx3-ubyte.gz: downloaded file has MD5", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [FashionMnistFact]
    public void TheDebianCopyMatchesTheCanonicalPayload()
    {
        // Debian recompressed the files (their .gz sums differ from the canonical ones), so the uncompressed
        // payloads are compared with those of the canonical files.
        var canonical = new Dictionary<string, string>
        {
            ["train-images-idx3-ubyte"] = "f4a8712d7a061bf5bd6d2ca38dc4d50a",
            ["train-labels-idx1-ubyte"] = "9018921c3c673c538a1fc5bad174d6f9",
            ["t10k-images-idx3-ubyte"] = "8181f5470baa50b63fa0f6fddb340f0a",
            ["t10k-labels-idx1-ubyte"] = "15d484375f8d13e6eb1aabb0c3f46965",
        };
        foreach (var (name, md5) in canonical)
            Assert.Equal(md5, FashionMnist.Md5Of(IdxFile.ReadDecompressed(Path.Combine(FashionMnist.SystemDirectory, name + ".gz"))));
    }

    private sealed class Handler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(respond(request));
    }
}
