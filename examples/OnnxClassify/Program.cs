// OnnxClassify MODEL.onnx IMAGE... [--json]
//
// Classifies PNG or JPEG files with a network that `googlenet export --format onnx` wrote. Everything it needs is in
// the file: the class names, the input size, grey or colour, and how a picture becomes the input (the metadata
// keys "classes", "image_size", "colour", "resize" and "scale").
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;

if (args.Length < 2 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: OnnxClassify MODEL.onnx IMAGE... [--json]");
    return 2;
}
bool json = args.Contains("--json");
string modelPath = args[0];
var images = args.Skip(1).Where(a => a != "--json").ToList();

InferenceSession session;
try
{
    session = new InferenceSession(modelPath);
}
catch (Exception e) when (e is OnnxRuntimeException or FileNotFoundException)
{
    Console.Error.WriteLine($"OnnxClassify: {modelPath}: cannot be loaded ({e.Message.Split('\n')[0]})");
    return 2;
}
using (session)
{
    var metadata = session.ModelMetadata.CustomMetadataMap;
    if (!metadata.TryGetValue("classes", out var classesJson) || !metadata.TryGetValue("image_size", out var sizeText) || !metadata.TryGetValue("colour", out var colour))
    {
        Console.Error.WriteLine($"OnnxClassify: {modelPath}: has no classes, image_size or colour in its metadata (was it written by googlenet export?)");
        return 2;
    }
    string[] classes = JsonSerializer.Deserialize<string[]>(classesJson)!;
    int size = int.Parse(sizeText);
    int channels = colour == "rgb" ? 3 : 1;

    var results = new List<object>();
    int failed = 0;
    foreach (var file in images)
    {
        float[]? input = Preprocess.Load(file, size, channels);
        if (input is null)
        {
            Console.Error.WriteLine($"OnnxClassify: {file}: not a picture this program can decode");
            failed++;
            continue;
        }
        using var tensor = OrtValue.CreateTensorValueFromMemory(input, [1, channels, size, size]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["image"], [tensor], ["logits"]);
        var logits = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        // Softmax, then the three most probable classes.
        float max = logits.Max();
        var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
        double sum = exp.Sum();
        var top = exp.Select((e, i) => (Label: classes[i], Probability: e / sum)).OrderByDescending(t => t.Probability).Take(3).ToList();
        if (json)
            results.Add(new { file, top = top.Select(t => new { label = t.Label, prob = t.Probability }) });
        else
            Console.WriteLine($"{file}: {string.Join(", ", top.Select(t => $"{t.Label} {t.Probability:P1}"))}");
    }
    if (json)
        Console.WriteLine(JsonSerializer.Serialize(results));
    return failed == 0 ? 0 : 2;
}

/// <summary>A picture as the exported network takes it, following the file's "colour", "resize" and "scale" metadata.</summary>
internal static class Preprocess
{
    /// <summary>The picture as 1 x C x size x size values in [0, 1], or null if it does not decode.</summary>
    public static float[]? Load(string path, int size, int channels)
    {
        using var codec = File.Exists(path) ? SKCodec.Create(path) : null;
        if (codec is null)
            return null;
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        if (codec.GetPixels(info, bitmap.GetPixels()) != SKCodecResult.Success)
            return null;
        var rgba = bitmap.GetPixelSpan().ToArray();
        int w = info.Width, h = info.Height, n = w * h;

        // colour: grey is the ITU-R 601 luma; transparent pixels count as black. scale: pixel / 255.
        var planes = new float[channels][];
        for (int c = 0; c < channels; c++)
            planes[c] = new float[n];
        for (int i = 0; i < n; i++)
        {
            double a = rgba[4 * i + 3] / 255.0;
            double r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2];
            if (channels == 1)
                planes[0][i] = (float)(Math.Round((0.299 * r + 0.587 * g + 0.114 * b) * a) / 255.0);
            else
            {
                planes[0][i] = (float)(Math.Round(r * a) / 255.0);
                planes[1][i] = (float)(Math.Round(g * a) / 255.0);
                planes[2][i] = (float)(Math.Round(b * a) / 255.0);
            }
        }
        // resize: stretched to size x size, bilinear with half-pixel centres, antialiased when shrinking.
        var result = new float[channels * size * size];
        for (int c = 0; c < channels; c++)
        {
            var rows = Resample(planes[c], w, h, size, horizontal: true);   // size x h
            var both = Resample(rows, size, h, size, horizontal: false);    // size x size
            Array.Copy(both, 0, result, c * size * size, size * size);
        }
        return result;
    }

    /// <summary>
    /// One axis of a triangle-filter resize: bilinear interpolation when growing; when shrinking, the triangle widened
    /// by the scale, so that every source pixel counts (antialiasing).
    /// </summary>
    private static float[] Resample(float[] src, int w, int h, int target, bool horizontal)
    {
        int from = horizontal ? w : h;
        double scale = (double)from / target, support = Math.Max(scale, 1.0);
        int outW = horizontal ? target : w, outH = horizontal ? h : target;
        var dst = new float[outW * outH];
        for (int o = 0; o < target; o++)
        {
            double centre = scale * (o + 0.5);
            int lo = Math.Max(0, (int)(centre - support + 0.5)), hi = Math.Min(from, (int)(centre + support + 0.5));
            var weights = new double[hi - lo];
            double total = 0;
            for (int j = lo; j < hi; j++)
                total += weights[j - lo] = Math.Max(0, 1 - Math.Abs((j + 0.5 - centre) / support));
            int lines = horizontal ? h : w;
            for (int line = 0; line < lines; line++)
            {
                double v = 0;
                for (int j = lo; j < hi; j++)
                    v += weights[j - lo] * (horizontal ? src[line * w + j] : src[j * w + line]);
                if (horizontal)
                    dst[line * outW + o] = (float)(v / total);
                else
                    dst[o * outW + line] = (float)(v / total);
            }
        }
        return dst;
    }
}
