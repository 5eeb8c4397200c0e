"""The pipeline: target → walk → analyzers → inventory (→ detectors → findings, in later stages)."""
