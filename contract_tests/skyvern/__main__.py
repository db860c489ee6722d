"""`python -m contract_tests.skyvern`: see `contract_tests.skyvern.cli`."""

import sys

from contract_tests.skyvern.cli import main

sys.exit(main())
