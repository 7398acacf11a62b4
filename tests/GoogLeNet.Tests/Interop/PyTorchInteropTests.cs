using GoogLeNet.Data;
using GoogLeNet.Interop;
using GoogLeNet.Models;
using GoogLeNet.Training;
using static TorchSharp.torch;

namespace GoogLeNet.Tests.Interop;

/// <summary>State dicts both ways between this project and Debian's real PyTorch (python3-torch).</summary>
public class PyTorchInteropTests
{
    /// <summary>The largest difference allowed between PyTorch's logits and TorchSharp's for the same weights and input (both float32).</summary>
    private const double Tolerance = 1e-4;

    private static void WriteTensors(string path, params (string Key, Tensor Value)[] tensors)
    {
        using var stream = File.Create(path);
        PyTorchFile.Write(stream, tensors.Select(t => (t.Key, StateDictTensor.Of(t.Value))).ToList());
    }

    private static Dictionary<string, StateDictTensor> ReadTensors(string path)
    {
        using var stream = File.OpenRead(path);
        return PyTorchFile.Read(path, stream).ToDictionary(t => t.Key, t => t.Tensor);
    }

    [Fact]
    public void TheBooksCodeLoadsTheExportedStateDictAndComputesOurLogits()
    {
        using var dir = new TempDirectory();
        using var model = OnnxExportTests.RandomModel("googlenet");
        StateDicts.Save(model, WeightsFormat.PyTorch, dir["googlenet.pt"]);
        using var scope = NewDisposeScope();
        var x = rand(3, 1, 96, 96);
        float[] ours;
        using (no_grad())
            ours = model.call(x).contiguous().data<float>().ToArray();
        WriteTensors(dir["input.pt"], ("x", x));

        string output = Python.Run(BookNetwork.Definition + """

            import sys
            weights = torch.load(sys.argv[1])
            print(len(weights), list(weights)[0], list(weights)[-1])
            book = book_net()
            book.load_state_dict(weights)          # the chapter's own cell, as printed, takes the file
            net = text_net()
            net.load_state_dict(weights)
            net.eval()
            x = torch.load(sys.argv[2])['x']
            with torch.no_grad():
                torch.save({'logits': net(x)}, sys.argv[3])
            """, dir["googlenet.pt"], dir["input.pt"], dir["logits.pt"]);
        Assert.Equal("116 0.0.weight 5.bias", output.Trim());
        var theirs = ReadTensors(dir["logits.pt"])["logits"];
        Assert.Equal(new long[] { 3, 10 }, theirs.Shape);
        using var theirLogits = theirs.ToTensor();
        float[] pytorch = theirLogits.data<float>().ToArray();
        double worst = ours.Zip(pytorch, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= Tolerance, $"PyTorch's logits differ from ours by up to {worst:E2}");
    }

    [Fact]
    public void PyTorchReadsEveryModelsExportAndSafetensorsHoldTheSameTensors()
    {
        using var dir = new TempDirectory();
        foreach (var name in new[] { "googlenet-bn", "inception-v3", "nin" })
        {
            using var model = OnnxExportTests.RandomModel(name);
            StateDicts.Save(model, WeightsFormat.PyTorch, dir[name + ".pt"]);
            StateDicts.Save(model, WeightsFormat.Safetensors, dir[name + ".safetensors"], new Dictionary<string, string> { ["model"] = name });
            // PyTorch reads the .pt; the safetensors header is read with the standard library alone and compared tensor by tensor.
            string output = Python.Run("""
                import sys, json, struct, torch
                sd = torch.load(sys.argv[1])
                raw = open(sys.argv[2], 'rb').read()
                n = struct.unpack('<Q', raw[:8])[0]
                header = json.loads(raw[8:8 + n])
                assert header['__metadata__']['model'] == sys.argv[3]
                kinds = {'F32': torch.float32, 'I64': torch.int64}
                for key, t in sd.items():
                    h = header[key]
                    start, end = h['data_offsets']
                    other = torch.frombuffer(bytearray(raw[8 + n + start:8 + n + end]), dtype=kinds[h['dtype']]).reshape(h['shape'])
                    assert torch.equal(t, other), key
                print(len(sd), float(sum(t.double().abs().sum() for t in sd.values() if t.is_floating_point())))
                """, dir[name + ".pt"], dir[name + ".safetensors"], name);
            var state = model.state_dict();
            double total = state.Values.Where(t => t.is_floating_point()).Sum(t => t.to_type(ScalarType.Float64).abs().sum().item<double>());
            var fields = output.Trim().Split(' ');
            Assert.Equal(state.Count.ToString(), fields[0]);
            Assert.Equal(total, double.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), 1e-6 * total);
        }
    }

    [FashionMnistFact]
    public void AStateDictPyTorchTrainedGivesPyTorchsAccuracyHere()
    {
        using var dir = new TempDirectory();
        const int TestImages = 500, Size = 48;
        // PyTorch trains googlenet-bn (defined in this project's names) for 40 steps on Fashion-MNIST resized as this tool
        // resizes (scaled to [0, 1], then bilinear without antialiasing), counts its right answers on the first test
        // images and saves its state dict. 48x48 keeps it short; the network takes any size from 32 up.
        string output = Python.Run(BookNetwork.Definition + """

            import sys, gzip, numpy as np
            def idx(name):
                with gzip.open(sys.argv[1] + '/' + name) as f:
                    data = f.read()
                return np.frombuffer(data, dtype=np.uint8, offset=16 if 'images' in name else 8)
            size = int(sys.argv[4])
            def images(name, n):
                x = torch.tensor(idx(name)[:n * 784].reshape(n, 1, 28, 28).copy()).float() / 255
                return F.interpolate(x, size=(size, size), mode='bilinear', align_corners=False)
            torch.manual_seed(0)
            torch.set_num_threads(2)
            xs, ys = images('train-images-idx3-ubyte.gz', 1280), torch.tensor(idx('train-labels-idx1-ubyte.gz')[:1280].astype(np.int64))
            net = GoogLeNetBN()
            opt = torch.optim.Adam(net.parameters(), lr=1e-3)
            for i in range(0, 1280, 32):
                opt.zero_grad()
                F.cross_entropy(net(xs[i:i + 32]), ys[i:i + 32]).backward()
                opt.step()
            net.eval()
            n = int(sys.argv[3])
            tx, ty = images('t10k-images-idx3-ubyte.gz', n), torch.tensor(idx('t10k-labels-idx1-ubyte.gz')[:n].astype(np.int64))
            with torch.no_grad():
                correct = int((net(tx).argmax(1) == ty).sum())
            torch.save(net.state_dict(), sys.argv[2])
            print(correct)
            """, FashionMnist.SystemDirectory, dir["trained.pt"], TestImages.ToString(), Size.ToString());
        int pytorchCorrect = int.Parse(output.Trim());
        Assert.True(pytorchCorrect > TestImages / 4, $"PyTorch's few steps left the network at {pytorchCorrect}/{TestImages}: too few to tell a real import from chance");

        var (model, info) = StateDicts.Load(dir["trained.pt"], WeightsFormat.PyTorch, "googlenet-bn", imageSize: Size);
        using (model)
        {
            Assert.Equal(1, info.Channels);
            Assert.Equal(FashionMnist.ClassNames, info.Labels);
            var test = FashionMnist.Load(FashionMnist.SystemDirectory, train: false, TestImages);
            var result = Evaluator.Evaluate(model, test, Size, batchSize: 100);
            long ours = result.Confusion.Select((row, i) => (long)row[i]).Sum();
            // Float rounding can move an image that sits on a decision boundary; more than one would be a real difference.
            Assert.InRange(ours, pytorchCorrect - 1, pytorchCorrect + 1);
        }
    }

    [Fact]
    public void AStateDictTheBooksCodeSavedImportsAndGivesItsLogits()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        var x = rand(2, 1, 96, 96);
        WriteTensors(dir["input.pt"], ("x", x));
        Python.Run(BookNetwork.Definition + """

            import sys
            torch.manual_seed(3)
            net = text_net()
            torch.save(net.state_dict(), sys.argv[1])
            net.eval()
            with torch.no_grad():
                torch.save({'logits': net(torch.load(sys.argv[2])['x'])}, sys.argv[3])
            """, dir["book.pt"], dir["input.pt"], dir["logits.pt"]);
        var (model, _) = StateDicts.Load(dir["book.pt"], WeightsFormat.PyTorch, "googlenet");
        using (model)
        {
            float[] ours;
            using (no_grad())
                ours = model.call(x).contiguous().data<float>().ToArray();
            using var theirs = ReadTensors(dir["logits.pt"])["logits"].ToTensor();
            double worst = ours.Zip(theirs.data<float>().ToArray(), (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= Tolerance, $"our logits for PyTorch's weights differ from PyTorch's by up to {worst:E2}");
        }
    }
}
