"""What a run records, below everything that sends or judges: every exchange, replayable as curl (`repro`), each
test's violations and the runs it started (`observations`: a violation is recorded and the test goes on), and the
cells of the spec it exercised (`coverage`)."""
