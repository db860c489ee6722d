"""Contract tests: fuzz any target (default: a fresh reference server) against `spec/openapi.yaml`.

Run with `skyvern-contract` or `python -m contract_tests` (`make contract`); `CONTRACT_PROFILE` picks `ci` (default),
`dev` or `deep`. The rooms, leaf to top (a module imports only its own room or earlier ones):

- `model/`: the vocabulary as data: contract areas and violations, findings and root causes, the verdict, baselines,
  the drift of the spec against the target's own document;
- `spec`: what the suite knows about the API, read from the spec and nowhere else;
- `record/`: every exchange (replayable as curl), each test's violations (recorded; the test goes on) and coverage;
- `config`: the run's settings; `transport/`: how requests are sent (the API, the loopback sink, the default target);
- `generate/`: what to send (Hypothesis strategies from the spec, edge values, wrong types);
- `checks/`: how a reply is judged (named checks of a reply, of the echoed request, of a run's lifecycle, of webhook
  deliveries; Schemathesis failures keyed alike; the drift);
- `report/`: renderers of the verdict (Markdown and JSON summary, JUnit properties, the HTML report);
- `engine/`: the pytest machinery (the recording and controller plugins, the shared flows, the run cap, the cleanup);
- `session`: one run; `cli`: the command line (`skyvern-contract`, `skyvern-contract drift`);
- `suite/`: the tests, one file per area, each declaring its area with `pytest.mark.area`.

It uses the generated client's public API, starts `reference_server` only as a subprocess and reads its fault
registry. The real-server campaigns and the kill matrix are a checkout's tools: `campaigns/`.
"""
