"""``python -m mamoru`` and the ``mamoru`` console script.

The command line's modules (click, the data model) take a tenth of a second to import; Ctrl-C in
that time would end in Python's KeyboardInterrupt traceback. :func:`main` imports them itself and
turns that into the CLI's one line and exit code 130.
"""

import os
import sys


def main() -> None:
    """Import the command line and run it."""
    try:
        from mamoru.cli import run
    except KeyboardInterrupt:
        print("mamoru: error: interrupted", file=sys.stderr)
        sys.stderr.flush()
        os._exit(130)
    run()


if __name__ == "__main__":
    main()
