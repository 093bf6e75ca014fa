// The large-upload tests measure allocated bytes process-wide and share one Azurite; running the test classes
// one after another keeps those measurements honest and the 2-core machine responsive.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
