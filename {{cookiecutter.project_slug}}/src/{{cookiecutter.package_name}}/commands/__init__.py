"""The console script's commands: one module per feature.

Each module has ``register(commands)``, which adds its commands (each parser
with ``set_defaults(run=...)``, the function that runs it and returns the exit
status), and may have ``check()``, which returns why no command can run (a
missing setting) or None. ``cli.py`` finds them.
"""

import argparse
from typing import Any, Protocol


class Commands(Protocol):
    """What ``register()`` is given: the console script's subcommands."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...
