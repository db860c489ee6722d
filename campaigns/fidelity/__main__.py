"""`python -m campaigns.fidelity`: see `campaigns.fidelity.cli`."""

import sys

from campaigns.fidelity.cli import main

sys.exit(main())
