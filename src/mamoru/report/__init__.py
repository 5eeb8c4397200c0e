"""Report writers, one module per format. Each exposes ``render(report, stream)``."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TextIO

from mamoru.model.report import ScanReport

# format name → module under mamoru.report (imported lazily: the SBOM libraries are slow to import)
FORMATS = {
    "table": "table",
    "json": "json_report",
    "cyclonedx": "cyclonedx",
    "spdx-json": "spdx",
    "sarif": "sarif",
    "junit": "junit",
    "markdown": "markdown",
    "html": "html",
}


def writer(format_name: str) -> Callable[[ScanReport, TextIO], None]:
    """The ``render`` function of a format."""
    module = import_module(f"mamoru.report.{FORMATS[format_name]}")
    render: Callable[[ScanReport, TextIO], None] = module.render
    return render
