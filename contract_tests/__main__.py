"""`python -m contract_tests` (the `skyvern-contract` console script): see `contract_tests.cli`."""

from __future__ import annotations

import sys

from contract_tests.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m contract_tests"))
