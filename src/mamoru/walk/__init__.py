"""Streaming layer walk: every layer tar read once, whiteouts recorded, a squashed view built."""
