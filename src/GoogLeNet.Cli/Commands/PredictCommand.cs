using System.CommandLine;
using System.Text.Json;
using GoogLeNet.Data;
using GoogLeNet.Inference;
using Spectre.Console;

namespace GoogLeNet.Cli.Commands;

/// <summary><c>googlenet predict</c>: classify picture files with a trained checkpoint.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var checkpointPath = ModelSource.CheckpointOption();
        var pretrained = ModelSource.PretrainedOption();
        var images = new Argument<string[]>("images") { Description = "PNG, JPEG, GIF, BMP or WebP files, any size", Arity = ArgumentArity.OneOrMore };
        var top = new Option<int>("--top") { HelpName = "N", Description = "How many classes to show per image", DefaultValueFactory = _ => 3 };
        var invert = new Option<bool>("--invert") { Description = "Invert grey levels (Fashion-MNIST is light garments on black; use this for dark-on-white photos)" };
        var json = new Option<bool>("--json") { Description = "Print a JSON array instead of a table" };
        var precision = PrecisionOption.Create("The arithmetic of the forward pass");
        var engine = EngineOption.Create();

        var command = new Command("predict", "Classify images with a trained checkpoint or the shipped model") { checkpointPath, pretrained, images, top, invert, precision, engine, json };
        command.SetAction(result =>
        {
            int k = OptionLimits.InRange(result.GetValue(top), "--top", 1, int.MaxValue);
            using var source = ModelSource.Open(result.GetValue(checkpointPath), result.GetValue(pretrained));
            if (source.Model.InChannels == 3 && result.GetValue(invert))
                throw new GoogLeNetException("--invert applies to grey pictures; this checkpoint's network takes RGB ones");
            var (runner, arithmetic, _, _) = EngineOption.Resolve(result.GetValue(engine)!, source, result.GetValue(precision)!,
                TorchSharp.torch.get_num_threads(), result.Given(precision));
            using var engineModel = runner == source.Model ? null : runner;
            var predictor = new Predictor(runner, source.ImageSize, source.Labels) { Precision = arithmetic };

            var predictions = new List<(string File, IReadOnlyList<ClassScore> Top)>();
            int failed = 0;
            foreach (var file in result.GetValue(images)!)
            {
                try
                {
                    predictions.Add((file, predictor.Predict(file, k, result.GetValue(invert))));
                }
                catch (DataFileException e)
                {
                    // One bad file must not cost the others their answer.
                    Console.Error.WriteLine($"googlenet: error: {ErrorReport.Line(e)}");
                    failed++;
                }
            }

            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(predictions.Select(p => new
                {
                    file = p.File,
                    top = p.Top.Select(s => new { label = s.Label, index = s.Index, prob = s.Probability }),
                })));
            }
            else if (predictions.Count > 0)
            {
                var table = new Table().Border(TableBorder.Rounded).AddColumn("image");
                for (int i = 1; i <= k && i <= source.Model.NumClasses; i++)
                    table.AddColumn($"#{i}");
                foreach (var (file, scores) in predictions)
                    table.AddRow([Markup.Escape(file), .. scores.Select(s => $"{Markup.Escape(s.Label)} {s.Probability:P1}")]);
                AnsiConsole.Write(table);
            }
            return failed == 0 ? ExitCodes.Success : ExitCodes.Usage;
        });
        return command;
    }
}
