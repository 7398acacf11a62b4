// libtorch's random generator and thread pool are process-wide: tests that seed, train or time must not
// interleave with each other, and on two cores parallel test classes would gain little anyway.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
