"""Keep secrets out of reports: history lines carry ``ENV``/``ARG`` values (``|1 TOKEN=…``).

The model keeps history verbatim (secret detectors need it); every report shows it through
:func:`redact_command`, which masks the value of any assignment whose name suggests a secret.
"""

from __future__ import annotations

import re

_WORDS = r"pass(?:word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth"
SENSITIVE_NAME = rf"[A-Za-z0-9_.-]*(?:{_WORDS})[A-Za-z0-9_.-]*"
_ASSIGNMENT = re.compile(rf"(?i)\b({SENSITIVE_NAME})(=|\s+)(\"[^\"]*\"|'[^']*'|\S+)")
_ENV_FORM = re.compile(r"^(?:ENV|ARG)\s", re.IGNORECASE)
MASK = "***"


def redact_command(text: str) -> str:
    """``ENV DB_PASSWORD=hunter2`` → ``ENV DB_PASSWORD=***``; other text is unchanged.

    ``NAME value`` (space-separated) is only treated as an assignment in ``ENV``/``ARG`` lines.
    """
    if not text:
        return text

    def mask(match: re.Match[str]) -> str:
        separator = match.group(2)
        if separator != "=" and not _ENV_FORM.match(text.rsplit("#(nop)", maxsplit=1)[-1].strip()):
            return match.group(0)
        return f"{match.group(1)}{separator}{MASK}"

    return _ASSIGNMENT.sub(mask, text)
