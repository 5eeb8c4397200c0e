"""Content inspection shared by analyzers and detectors: secret and malware engines."""
