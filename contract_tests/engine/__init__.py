"""The pytest machinery: the plugins that give each test its record (`record.observations`, kept in the test's stash)
and gather the verdict (`plugin`), the shared steps of the tests, each given the test's record (`flows`), the
generated client as a test uses it (`client`), the run cap shared out by the tests' `cost` markers (`plan`), the record
a test sends the controller (`wire`), the runs left going canceled at the end (`cleanup`)."""
