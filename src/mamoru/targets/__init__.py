"""Targets turn what the user named (an archive, a layout, a directory, a daemon image) into an image source."""
