import sys

from campaigns.vendored.cli import main

sys.exit(main())
