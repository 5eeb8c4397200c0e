"""mamoru (守る, "to protect"): container security across Build, Ship and Run."""

__version__ = "0.1.0"
