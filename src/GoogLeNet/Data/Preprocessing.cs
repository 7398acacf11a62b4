using static TorchSharp.torch;

namespace GoogLeNet.Data;

/// <summary>The book's preprocessing: resize with bilinear interpolation, scale to [0, 1], no normalisation.</summary>
public static class Preprocessing
{
    /// <summary>
    /// Turns a batch of byte images (N x C x H x W, uint8; grey or RGB) into the model's input (N x C x size x size,
    /// float32 in [0, 1]). The book resizes PIL images (bilinear, then rounded to bytes) before dividing by
    /// 255; here the bytes are scaled first and interpolated in float (align_corners = false, as PIL), which
    /// differs from the book only by that rounding.
    /// </summary>
    /// <remarks>A picture that is not square is stretched to a square, as a plain resize to (size, size) does.</remarks>
    public static Tensor ToModelInput(Tensor bytes, int size)
    {
        using var scaled = bytes.to_type(ScalarType.Float32).div_(255f);
        if (bytes.shape[2] == size && bytes.shape[3] == size)
            return scaled.alias();
        // Shrinking a large picture needs antialiasing; growing the 28x28 training images does not (and the
        // book's PIL resize has none to apply there).
        bool shrinking = bytes.shape[2] > size || bytes.shape[3] > size;
        return nn.functional.interpolate(scaled, size: [size, size], mode: InterpolationMode.Bilinear, align_corners: false, antialias: shrinking);
    }
}
