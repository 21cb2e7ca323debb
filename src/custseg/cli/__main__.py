"""``python -m custseg.cli``: the console script."""

from custseg.cli import entry

entry()
