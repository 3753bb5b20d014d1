"""`make bench`: the benchmark of the issue's targets (see docs/performance.md). Not a test."""
