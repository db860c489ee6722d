"""Contract tests: fuzz any target (default: a fresh reference server) against `spec/openapi.yaml`.

Run with `python -m contract_tests` (`make contract`). Layers:

- `runner` picks the target, starts the loopback `sink` (and the reference server, for the default target) and runs
  the pytest suite in this folder with the `plugin`, which files findings by contract `areas` and writes the summary;
- `test_schemathesis.py`: Schemathesis, every operation, positive and negative, plus the stateful run along the links;
- `test_*.py` properties: Hypothesis over bodies built from the spec (`spec`, `strategies`), judged by `checks`;
- `repro` records every exchange and renders a failing example's chain as curl commands.

Nothing imports this package; it imports the generated client's public API and, to start the default target,
runs `reference_server` as a subprocess.
"""
