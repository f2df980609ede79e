"""Speed and quality measurements; results in BENCHMARKS.md."""
