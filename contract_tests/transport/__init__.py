"""How requests are sent and recorded: the API as the tests call it (`api`) or through the generated client
(`client`), every exchange recorded and replayable as curl (`repro`), the loopback sink URL fields point at (`sink`),
the reference server started as the default target (`target`)."""
