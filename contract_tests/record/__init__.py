"""What a run records, below everything that sends or judges: every exchange, replayable as curl (`repro`), each
test's record (`observations.Observations`: its violations, the runs it started, what it could not verify; a violation
is recorded and the test goes on), and the cells of the spec it exercised (`coverage`). Records are passed explicitly:
nothing here knows which test is running."""
