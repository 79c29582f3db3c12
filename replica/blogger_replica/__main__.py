"""``python -m blogger_replica``: the same as the ``blogger-replica`` command."""

from __future__ import annotations

import sys

from blogger_replica.cli import main

sys.exit(main())
