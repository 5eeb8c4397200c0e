"""Dockerfile rules (``MDF-…``); importing the package registers them."""

from mamoru.rules.dockerfile import image, packages, run, secrets, shellcheck

__all__ = ["image", "packages", "run", "secrets", "shellcheck"]
