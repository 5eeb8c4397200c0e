"""Detectors turn an inventory into findings (vulnerabilities, misconfigurations, risky files …)."""
