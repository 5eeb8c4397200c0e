"""The secret scanner: keyword pre-filter (Aho-Corasick), bounded regular expressions, checks, redaction.

Only patterns whose keywords occur in a text are run, so most files cost one pass of the
automaton. Expressions run through the ``regex`` module with a time budget per file, so a file
built to make them backtrack is cut short and reported as skipped, never a hang.
"""

from __future__ import annotations

import fnmatch
import hashlib
import math
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import ahocorasick
import regex

from mamoru.content.secrets.patterns import PATTERNS, SecretPattern

DEFAULT_TIME_BUDGET = 2.0  # seconds of regular-expression time per file
# values that are obviously not secrets: documentation examples and placeholders
PLACEHOLDER_WORDS = frozenset({
    "password", "passwd", "secret", "token", "changeme", "change_me", "changeit", "example", "dummy", "sample",
    "placeholder", "redacted", "none", "null", "true", "false", "default", "foobar", "test", "testing", "admin",
    "root", "pass", "secret123", "password123",
})  # fmt: skip
PLACEHOLDER_MARKERS = ("example", "placeholder", "changeme", "change_me", "your_", "your-", "<your", "xxxx", "****",
                       "${", "{{", "%(", "<", "replace_me", "replace-me", "insert_", "dummy")  # fmt: skip
AWS_DOCUMENTATION_KEYS = frozenset({"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def value_hash(value: str) -> str:
    """How secrets are identified in reports and allow-lists: ``sha256:<hex>`` of the value."""
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()


def redact(value: str) -> str:
    """Show at most the first 4 characters (never more than a quarter of the value) and the length."""
    shown = min(4, len(value) // 4)
    return f"{value[:shown]}{'*' * 8} ({len(value)} chars)"


@dataclass(frozen=True, slots=True)
class SecretMatch:
    """A secret found in a text: never holds the value itself, only its redacted form and hash."""

    pattern: SecretPattern
    line: int
    redacted: str
    hash: str
    checksum_valid: bool | None = None  # None: the format has no checksum


@dataclass(slots=True)
class Allowlist:
    """Matches to leave out: by rule id, path glob, or value hash (each entry may combine them)."""

    entries: list[tuple[str | None, str | None, str | None]] = field(default_factory=list)

    def allows(self, rule_id: str, path: str, hash_: str) -> bool:
        for rule, glob, value in self.entries:
            if rule is not None and rule != rule_id:
                continue
            if glob is not None and not fnmatch.fnmatch(path, glob):
                continue
            if value is not None and value != hash_:
                continue
            return True
        return False


@dataclass(slots=True)
class ScanOutcome:
    """The matches in one text, and whether the time budget ran out (then the result is partial)."""

    matches: list[SecretMatch] = field(default_factory=list)
    timed_out: bool = False


class SecretScanner:
    """Scans texts for every pattern in ``patterns`` (all built-in formats by default)."""

    def __init__(self, patterns: Iterable[SecretPattern] = PATTERNS, allowlist: Allowlist | None = None,
                 time_budget: float = DEFAULT_TIME_BUDGET) -> None:  # fmt: skip
        self.patterns = tuple(patterns)
        self.allowlist = allowlist or Allowlist()
        self._time_budget = time_budget
        self._compiled = [regex.compile(p.regex) for p in self.patterns]
        self._automaton = ahocorasick.Automaton()
        by_keyword: dict[str, list[int]] = {}
        for index, pattern in enumerate(self.patterns):
            for keyword in pattern.keywords:
                by_keyword.setdefault(keyword, []).append(index)
        for keyword, indexes in by_keyword.items():
            self._automaton.add_word(keyword, (tuple(indexes), len(keyword)))
        self._automaton.make_automaton()

    def candidates(self, lowered: str) -> dict[int, list[tuple[int, int]]]:
        """For each pattern whose keywords occur in ``lowered``, the windows where a match may lie."""
        windows: dict[int, list[tuple[int, int]]] = {}
        for end, (indexes, length) in self._automaton.iter(lowered):
            keyword_start = end - length + 1
            for index in indexes:
                pattern = self.patterns[index]
                windows.setdefault(index, []).append((max(0, keyword_start - pattern.lead), end + 1 + pattern.span))
        return {index: _merge(spans, len(lowered)) for index, spans in windows.items()}

    def scan(self, text: str, path: str = "") -> ScanOutcome:
        """Every secret in ``text``; ``path`` (relative, no leading slash) drives path-scoped patterns."""
        outcome = ScanOutcome()
        candidates = self.candidates(text.lower())
        if not candidates:
            return outcome
        deadline = time.monotonic() + self._time_budget
        seen: set[str] = set()  # value hashes already reported: a value is reported once, by its most specific format
        for index in sorted(candidates, key=lambda i: (self.patterns[i].generic, i)):
            pattern = self.patterns[index]
            if pattern.path_suffixes and not path.endswith(pattern.path_suffixes):
                continue
            if pattern.path_regex and not regex.search(pattern.path_regex, path):
                continue
            compiled = self._compiled[index]
            try:
                for start, stop in candidates[index]:
                    budget = max(0.001, deadline - time.monotonic())
                    for found in compiled.finditer(text, start, stop, timeout=budget):
                        verdict = self._judge(pattern, found, text, path)
                        if verdict is None or verdict[0] in seen:
                            continue
                        seen.add(verdict[0])  # an allow-listed value is not reported by a generic pattern either
                        if verdict[1] is not None:
                            outcome.matches.append(verdict[1])
            except TimeoutError:
                outcome.timed_out = True
                break
        return outcome

    def _judge(
        self, pattern: SecretPattern, found: regex.Match[str], text: str, path: str
    ) -> tuple[str, SecretMatch | None] | None:
        """None when the match is no secret; else its value hash and the match (None when allow-listed)."""
        groups = found.groupdict()
        group = "secret" if groups.get("secret") else "secret2"
        value = groups.get(group) or ""
        if not value or value in AWS_DOCUMENTATION_KEYS:
            return None
        if pattern.min_entropy and (looks_like_placeholder(value) or entropy(value) < pattern.min_entropy):
            return None
        hash_ = value_hash(value)
        if self.allowlist.allows(pattern.rule_id, path, hash_):
            return hash_, None
        checksum = pattern.checksum(value) if pattern.checksum is not None else None
        line = text.count("\n", 0, found.start(group)) + 1
        return hash_, SecretMatch(
            pattern=pattern, line=line, redacted=redact(value), hash=hash_, checksum_valid=checksum
        )


def _merge(spans: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """Sorted, non-overlapping windows, clipped to the text."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        stop = min(end, limit)
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged


def looks_like_placeholder(value: str) -> bool:
    """Documentation values (``changeme``, ``${DB_PASSWORD}``, ``<your-token>``, ``xxxxxxxx``, ``$SECRET``)."""
    lowered = value.lower().strip("\"'")
    if lowered in PLACEHOLDER_WORDS or lowered.startswith("$") or any(m in lowered for m in PLACEHOLDER_MARKERS):
        return True
    return len(set(lowered)) <= 3
