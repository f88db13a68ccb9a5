"""``python -m kzby_kg`` runs the command line."""

import sys

from kzby_kg.cli.main import main

sys.exit(main())
