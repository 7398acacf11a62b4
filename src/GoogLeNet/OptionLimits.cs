namespace GoogLeNet;

/// <summary>
/// The checks every verb applies to its numeric options, so that each gives the same one-line message for
/// the same mistake, and a value too large for the machine is refused before it is tried.
/// </summary>
internal static class OptionLimits
{
    public const int MaxSide = 1024;
    public const int MaxBatch = 65_536;
    public const int MaxThreads = 1024;

    /// <summary>Memory per 96x96 image of the chapter's network: forward and backward, float32.</summary>
    private const double TrainBytesPerImage = 12e6;

    /// <summary>Memory per 96x96 image without gradients: only the live activations and the input.</summary>
    private const double InferBytesPerImage = 3e6;

    /// <exception cref="GoogLeNetException">The value is below <paramref name="min"/> or above <paramref name="max"/>.</exception>
    public static int InRange(int value, string option, int min, int max)
    {
        if (value < min)
            throw new InvalidSettingException($"{option} must be at least {min}, got {value}");
        if (value > max)
            throw new InvalidSettingException($"{option} {value} is more than {max:N0}");
        return value;
    }

    /// <summary>The side of a square input in pixels: 1 to <see cref="MaxSide"/>.</summary>
    public static int Side(int value, string option)
    {
        if (value < 1)
            throw new InvalidSettingException($"{option} must be a positive number of pixels, got {value}");
        if (value > MaxSide)
            throw new InvalidSettingException($"{option} {value} is more than {MaxSide} pixels");
        return value;
    }

    public static int Threads(int value, string option) => InRange(value, option, 1, MaxThreads);

    /// <summary>A count of examples to use (--train-limit, --test-limit): absent, or at least 1.</summary>
    public static int? Limit(int? value, string option) => value is { } n ? InRange(n, option, 1, int.MaxValue) : null;

    /// <summary>
    /// A batch size that the machine's memory can hold at this input size, estimated from the chapter's
    /// network; refused with both figures when it cannot, rather than left for the kernel to kill.
    /// </summary>
    /// <param name="value">The batch size, 1 to <see cref="MaxBatch"/>.</param>
    /// <param name="side">Side of the square input, in pixels.</param>
    /// <param name="training">Whether gradients are computed, which holds about four times the memory of inference.</param>
    /// <param name="option">The setting's name, for the message.</param>
    /// <param name="slice">Examples whose activations are held at once (0: the whole batch), see --micro-batch.</param>
    /// <param name="sliceOption">The slice setting's name, offered in the message as a remedy; null to offer only a smaller batch.</param>
    /// <exception cref="InvalidSettingException">The batch size is out of range or needs 80 % or more of the machine's memory.</exception>
    public static int Batch(int value, int side, bool training, string option, int slice = 0, string? sliceOption = null)
    {
        InRange(value, option, 1, MaxBatch);
        int held = slice is > 0 && slice < value ? slice : value;
        double gib = held * (training ? TrainBytesPerImage : InferBytesPerImage) * Math.Pow(side / 96.0, 2) / (1 << 30);
        double machineGib = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (double)(1 << 30);
        if (gib >= 0.8 * machineGib)
            throw new InvalidSettingException(
                $"{option} {value} at {side}x{side} needs about {gib:N1} GiB of memory and this machine has {machineGib:N1} GiB; use a smaller batch{(sliceOption is null ? "" : $" or {sliceOption}")}");
        return value;
    }
}
