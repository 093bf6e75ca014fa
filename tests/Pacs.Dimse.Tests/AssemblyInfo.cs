// The DCMTK peers, the 1,000-association test and the memory measurement share a 2-core machine: test classes run one
// after another so timings and measurements stay honest.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
