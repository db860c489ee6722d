"""`python -m contract_tests.fidelity`: see `contract_tests.fidelity.cli`."""

import sys

from contract_tests.fidelity.cli import main

sys.exit(main())
