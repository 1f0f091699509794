"""Run the command line: ``python -m coursepack``."""

from coursepack.cli import console

console()
