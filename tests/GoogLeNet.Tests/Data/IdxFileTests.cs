using GoogLeNet.Cli;
using GoogLeNet.Data;

namespace GoogLeNet.Tests.Data;

public class IdxFileTests
{
    private static readonly byte[] ThreeImages = IdxWriter.Images(3, 2, 4, (n, r, c) => (byte)(n * 100 + r * 10 + c));

    [Fact]
    public void RawAndGzipFilesReadTheSame()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir["a"], ThreeImages);
        File.WriteAllBytes(dir["a.gz"], IdxWriter.Gzip(ThreeImages));
        var raw = IdxFile.Read(dir["a"], 3);
        var gz = IdxFile.Read(dir["a.gz"], 3);
        Assert.Equal(new[] { 3, 2, 4 }, raw.Dims);
        Assert.Equal(raw.Data, gz.Data);
        Assert.Equal(213, raw.Data[2 * 8 + 1 * 4 + 3]); // image 2, row 1, column 3
    }

    public static TheoryData<string, byte[], string> Corruptions() => new()
    {
        { "empty", [], "file is empty" },
        { "short", [0, 0, 8], "too short to be an IDX file" },
        { "magic", [0x12, 0x34, 0x56, 0x78, .. ThreeImages[4..]], "not an IDX file of unsigned bytes" },
        { "float", [0, 0, 0x0D, 3, .. ThreeImages[4..]], "not an IDX file of unsigned bytes" },
        { "labels-not-images", IdxWriter.Labels([1, 2, 3]), "expected an IDX file of rank 3 (images), found rank 1" },
        { "truncated", ThreeImages[..^5], "truncated: the header promises 24 bytes of data (3 x 2 x 4), found 19" },
        { "trailing", [.. ThreeImages, 1, 2], "2 unexpected bytes after the 3 x 2 x 4 data" },
        { "header-cut", ThreeImages[..10], "truncated: the header needs 16 bytes" },
        { "zero-dim", [0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2], "dimension 0 is 0" },
        { "x.gz", ThreeImages, "the name ends in .gz but the file is not gzip data" },
        { "cut.gz", IdxWriter.Gzip(ThreeImages)[..20], "corrupt or truncated gzip data" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void EveryCorruptionNamesTheFileAndTheProblem(string name, byte[] content, string problem)
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir[name], content);
        var e = Assert.Throws<DataFileException>(() => IdxFile.Read(dir[name], 3));
        Assert.StartsWith($"{dir[name]}: ", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.Equal(2, ErrorReport.ExitCode(e));
    }

    [Fact]
    public void MissingFileAndDirectoryAreNamed()
    {
        using var dir = new TempDirectory();
        Assert.EndsWith("nothing: file not found", Assert.Throws<DataFileException>(() => IdxFile.Read(dir["nothing"], 1)).Message);
        Directory.CreateDirectory(dir["folder"]);
        Assert.Contains("folder: ", Assert.Throws<DataFileException>(() => IdxFile.Read(dir["folder"], 1)).Message);
    }
}
