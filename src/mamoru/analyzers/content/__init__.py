"""Content analyzers: read file bytes for secrets and malware (they run when their scanner is chosen)."""
