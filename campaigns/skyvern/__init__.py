"""`python -m campaigns.skyvern` (`make contract-skyvern`): the contract suite against the real Skyvern server.

Starts the open-source server (PyPI `skyvern[local]`; `--version`, default 1.0.56, picks which, each installed in a
venv of its own, `build/skyvern-server/VERSION`) on a free loopback port with a fresh SQLite database, creates a
workflow that needs neither a browser nor an LLM, runs the contract suite against it, then plain `st run --checks all`
against the same server, and writes `docs/real-target.md`, which names the version.

The real server follows URLs found in requests (webhooks, browser addresses, proxies) and fuzzed values can name any
host, so all of it runs inside a private network namespace that has only loopback (`unshare -n`, as root). Outside
one, `cli.main` re-executes itself inside one; where that is impossible it refuses, fuzzing nothing (exit status 2).

Exit status: the contract suite's (0 no violation, 1 violations, 2 could not run, 3 incomplete).

One module per job:

- `paths`: where the server's venvs (one per version), the spec and the work dirs are; `--version` and `--venv`;
- `keys`: the server's API key (an HS256 JWT) and `redact`, which keeps keys out of every doc and message;
- `network`: the private network namespace (`enter_private_network`), shared with `make fidelity`;
- `server`: the real server's process (`SkyvernServer`), its workflow and its version;
- `suite`: `python -m contract_tests` against it;
- `plain_st`: plain `st run` against it, and its JUnit report read back;
- `coverage`: which of the suite's root causes covers each plain-st finding (or why the finding is no violation);
- `doc`: `docs/real-target.md`;
- `cli`: the command line (`__main__` runs it).
"""
