"""How requests are sent: the API as the tests call it (`api`, bound to each test's record), path values that reach
their operation (`paths`), the loopback sink URL fields point at (`sink`), the reference server started as the default
target (`target`)."""
