"""`python -m hotfix_guard` behaves exactly like the `hotfix-guard` console script."""

import sys

from hotfix_guard.entry import main

sys.exit(main())
