"""Severity: the vendor's rating in mamoru's scale, and CVSS base scores computed from vectors (cvss library)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mamoru.model.finding import Severity

# vendor words -> mamoru severity (Debian urgency, GitHub, Red Hat impact, Ubuntu priority, SUSE …)
VENDOR_WORDS = {
    "unimportant": Severity.LOW,
    "negligible": Severity.LOW,
    "low": Severity.LOW,
    "moderate": Severity.MEDIUM,
    "medium": Severity.MEDIUM,
    "important": Severity.HIGH,
    "high": Severity.HIGH,
    "critical": Severity.CRITICAL,
}
# preference among OSV severity entries: CVSS v3 is what vendors and peers score with today
CVSS_TYPES = ("CVSS_V3", "CVSS_V4", "CVSS_V2")


def vendor_severity(word: str) -> str:
    """``high**`` → ``HIGH``; "" for anything that is not a rating (``not yet assigned``, ``end-of-life``)."""
    severity = VENDOR_WORDS.get(word.strip().rstrip("*").strip().lower())
    return severity.value if severity else ""


def from_score(score: float) -> Severity:
    """CVSS qualitative rating (v3/v4 bands; 0.0 ``None`` counts as LOW)."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    return Severity.LOW


def cvss_score(vector: str) -> float | None:
    """The base score of a CVSS v2, v3.x or v4.0 vector (None when it does not parse)."""
    from cvss import CVSS2, CVSS3, CVSS4  # type: ignore[import-untyped]
    from cvss.exceptions import CVSSError  # type: ignore[import-untyped]

    vector = vector.strip()
    if len(vector) > 512:
        return None
    try:
        if vector.startswith("CVSS:4"):
            return float(CVSS4(vector).base_score)
        if vector.startswith("CVSS:3"):
            return float(CVSS3(vector).base_score)
        return float(CVSS2(vector).base_score)
    except (CVSSError, ValueError, KeyError, IndexError, TypeError):
        return None


def pick_cvss(entries: Iterable[Mapping[str, Any]]) -> tuple[str, float | None]:
    """The preferred (vector, score) among OSV ``severity[]`` entries; ("", None) when none parses."""
    by_type: dict[str, str] = {}
    for entry in entries:
        kind, score = entry.get("type"), entry.get("score")
        if isinstance(kind, str) and isinstance(score, str) and kind not in by_type:
            by_type[kind] = score
    for kind in CVSS_TYPES:
        if kind in by_type:
            score = cvss_score(by_type[kind])
            if score is not None:
                return by_type[kind], score
    return "", None
