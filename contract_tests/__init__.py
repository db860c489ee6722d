"""Contract tests: fuzz any target (default: a fresh reference server) against `spec/openapi.yaml`.

Run with `python -m contract_tests` (`make contract`); `CONTRACT_PROFILE` picks `ci` (default), `dev` or `deep`.

- `runner` picks the target (`CONTRACT_BASE_URL`, else `target` starts a reference server), starts the loopback
  `sink`, and runs the pytest suite in this folder with the `plugin`, which files every failure as a `findings.Finding`
  under a contract area (`areas`) and writes `reports/contract-summary.md|json` next to the JUnit XML;
- `test_schemathesis.py`: Schemathesis, every operation, positive and negative, plus the stateful run along the links;
- `test_*.py` properties: Hypothesis over requests built from the spec (`spec`, `strategies`; fixed values at the edges
  of JSON Schema from `edges` and `wrong_types`), sent through `api` (or the generated client, `client`), walked by
  `flows` and judged by the named checks in `checks`, `echo_checks` and `lifecycle_checks`;
- `test_webhooks.py`: the webhooks area: runs that name a `webhook_url` at the sink are delivered when they end,
  signed as the spec's `x-signature` says and carrying the run as `get_run` answers it, and a run that names none is
  delivered nowhere (`webhook_checks`; the test reads what the sink received with `sink.fetch_received`);
- `repro` records every exchange and renders a failing example's chain as curl commands;
- `campaigns/kill_matrix` (a checkout's tool, not in the wheel) proves the suite against every fault the reference
  server can inject (`make kill-matrix`).

Nothing imports this package. It uses the generated client's public API; it starts `reference_server` only as a
subprocess, and reads its fault registry for the kill matrix.
"""
