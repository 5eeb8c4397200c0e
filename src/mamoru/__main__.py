"""``python -m mamoru``."""

from mamoru.cli import run

run()
