"""``python -m coach.training``: fit, check or record the scorer models' manifests."""

from __future__ import annotations

import sys

from coach.training.cli import main

sys.exit(main())
