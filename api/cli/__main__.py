"""`python -m api.cli …`: the `lianping` command."""

from __future__ import annotations

from api.cli import main

raise SystemExit(main())
