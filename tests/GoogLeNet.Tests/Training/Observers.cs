using GoogLeNet.Training;

namespace GoogLeNet.Tests.Training;

/// <summary>An observer that shows nothing.</summary>
internal sealed class Quiet : ITrainingCallback;

/// <summary>Cancels the run when its <paramref name="steps"/>-th step (counting from 1, in this process) has completed.</summary>
internal sealed class CancelAfter(int steps, CancellationTokenSource cancel) : ITrainingCallback
{
    public int Steps { get; private set; }

    public void OnStepEnd(TrainingContext context, StepProgress progress)
    {
        if (++Steps == steps)
            cancel.Cancel();
    }
}
