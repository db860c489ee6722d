"""Nothing to enable: the `skyvern` plugin comes with the installed package (its pytest11 entry point), and its
fixtures are all these tests use."""
