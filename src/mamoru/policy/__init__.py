"""Policy: which findings count (filters, suppressions) and what exit code they produce."""
