"""``python -m ibkr`` is the ``ibkr`` command."""

from __future__ import annotations

import sys

from ibkr.cli import main

sys.exit(main())
