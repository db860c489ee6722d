"""The pytest machinery: the plugins that record each test and gather the verdict (`plugin`), the per-test record of
violations (`observations`) and of what was exercised (`coverage`), the shared steps of the tests (`flows`), the run
cap shared out by the tests' `cost` markers (`plan`), the runs left going canceled at the end (`cleanup`)."""
