"""``python -m demo [--runs N] [--layout NAME]`` from the repository's root: what ``./dev demo`` runs."""

import sys

from demo.pipeline import main

sys.exit(main())
