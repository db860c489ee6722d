"""`python -m campaigns.skyvern`: see `campaigns.skyvern.cli`."""

import sys

from campaigns.skyvern.cli import main

sys.exit(main())
