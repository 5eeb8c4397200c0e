"""Detectors over an image's config, history, files and packages (secrets, risky files, hardening)."""
