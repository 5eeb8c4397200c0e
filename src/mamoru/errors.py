"""Errors raised by mamoru's stages.

Every stage raises a subclass of :class:`MamoruError`. ``cli.py`` turns them into one clear line on
stderr and exit code 2; anything else is a bug and is reported as an internal error.
"""


class MamoruError(Exception):
    """Base class for every error mamoru raises on purpose."""


class UsageError(MamoruError):
    """The command line asks for something impossible (bad flag values, conflicting options)."""


class TargetError(MamoruError):
    """The target cannot be read as what it claims to be (bad archive, missing manifest, bad digest)."""


class LimitExceeded(TargetError):
    """The input exceeds one of the safety bounds (size, member count, compression ratio)."""


class ReportError(MamoruError):
    """A report could not be produced or written."""
