"""Compliance: frameworks as data (``specs/*.yaml``), decided from the findings of mamoru's scans.

``spec.py`` loads specs and finds the rules that evidence each control; ``evaluate.py`` decides each
control over the scans of one or more targets; ``report.py`` renders the result.
"""
