"""``python -m mamoru``."""

from mamoru.cli import main

main()
