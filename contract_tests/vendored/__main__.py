import sys

from contract_tests.vendored.cli import main

sys.exit(main())
