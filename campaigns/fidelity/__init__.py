"""`python -m campaigns.fidelity` (`make fidelity`): the reference server beside the real Skyvern server.

Users test their own code against our stand-in, so where the spec is silent it must answer what the real service
answers. This sends the real open-source server (`campaigns.skyvern.SkyvernServer`, the same setup as `make
contract-skyvern`) and a reference server the same matrix of requests, built from `spec/openapi.yaml` alone (`build_
matrix`): every request field, top level and one object level down, omitted, null, a valid value, edge values and a
wrong type; the operations' header and query parameters; a missing and a wrong key on each operation; malformed
bodies; unknown workflow and run ids; and a run's lifecycle with its cancel. It compares the status codes and, for a
2xx, the shape (`describe`: which fields, their JSON types, the timestamps' form, what `run_request` echoes), and sorts
each difference with one rule (`classify_difference`): the real server deviating from a named clause of the spec
(expected: the stand-in follows the spec), or the stand-in deviating from the real server where the spec is silent
(a fidelity bug). Optionally (`--like-skyvern 1.0.56`, when the reference server has it) a second reference server
that mimics the real server's known deviations is compared with the real one too. It writes `docs/fidelity.md`.

The real server follows URLs found in requests, so all of it runs inside a private network namespace with only
loopback (`unshare -n`, as root), as `make contract-skyvern` does; where that is impossible it refuses and sends
nothing. URL-typed fields only ever carry a loopback address where nothing listens (`LOOPBACK_URL`) or a string that
names no host.

Exit status: 0 no fidelity bug and no stand-in deviation (and, when the mimic ran, no mimic mismatch); 1 otherwise;
2 could not run (no namespace, a server did not start, or a server left a request unanswered).

One module per job:

- `cases`: what a request of the matrix is (`Case`, `Expectation`) and the marks that stand for per-server values;
- `clauses`: where a clause is in the spec (`schema_clause`: a JSON pointer into `spec/openapi.yaml`);
- `expectations`: what the spec allows as the answer to a run_workflow request;
- `matrix`: the requests (`build_matrix`), from the spec alone;
- `sending`: the servers (`Target`) and what they answered (`Answer`);
- `shape`: what is compared of an answer (`describe`);
- `classify`: `classify_difference`, the one rule that sorts a difference, and the clause each answer breaks;
- `curl`: each case as a curl command;
- `report`: `docs/fidelity.md`;
- `cli`: the command line (`__main__` runs it), in the private network namespace of `campaigns.skyvern.network`.
"""
