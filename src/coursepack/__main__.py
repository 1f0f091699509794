"""Run the command line: ``python -m coursepack``, and the ``coursepack`` program.

Only the standard library's ``os`` and ``sys`` are loaded before :func:`main` runs, so that
an interrupt that comes while the command line's own modules load (Ctrl-C right after
Enter) ends as every other does: in one line and exit code 130, not a traceback.
"""

import os
import sys


def main() -> None:
    """Load the command line and run it."""
    try:
        from coursepack.cli import console
    except KeyboardInterrupt:
        print("coursepack: interrupted (Ctrl-C)", file=sys.stderr, flush=True)
        os._exit(130)
    console()


if __name__ == "__main__":
    main()
