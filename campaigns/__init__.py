"""A checkout's tools that need root, the real server's venvs or `build/`: never in the wheel.

- `skyvern`: the contract suite (and plain Schemathesis) against the real Skyvern server in a private network
  namespace (`make contract-skyvern`); `served` reads the documents each version serves (`make drift-skyvern`);
- `vendored`: the copied client run as user code against the real and the reference server (`make client-skyvern`);
- `fidelity`: the reference server beside the real one, request by request (`make fidelity`);
- `kill_matrix`: every reference-server fault must fail the suite in its area (`make kill-matrix`).
"""
