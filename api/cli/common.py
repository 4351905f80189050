"""What the `lianping` subcommands share: the handler type and opening the store."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from application.app import LianpingApp
from application.settings import Settings

Command = Callable[[argparse.Namespace, Settings], int]


def open_app(settings: Settings) -> LianpingApp:
    from application.keys import SigningKeyError

    try:
        return LianpingApp(settings)
    except SigningKeyError as error:
        print(f"lianping: {error}", file=sys.stderr)
        raise SystemExit(2) from error
    except Exception as error:  # the store is down or misconfigured: say so plainly
        print(
            f"lianping: cannot open the store {settings.database_url!r}: {error}", file=sys.stderr
        )
        raise SystemExit(2) from error
