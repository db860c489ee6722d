"""`make bench`: side-by-side measurements of the generator, the client, the contract suite and the server.

Every figure is the median, min and max of several runs; ratios compare runs made in the same invocation. The
result is written to `docs/benchmarks.md` (see `bench.__main__`).
"""
