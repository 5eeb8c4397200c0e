"""The secret scanner: keyword pre-filter (Aho-Corasick), bounded regular expressions, checks, redaction.

Only patterns whose keywords occur in a text are run, so most files cost one pass of the
automaton. Expressions run through the ``regex`` module with a time budget per file, so a file
built to make them backtrack is cut short and reported as skipped, never a hang. Every value an
expression captures is then judged: documentation keys, filler (``ghp_xxxx…``), placeholders and test
data, names that point at a secret instead of holding one, and (for unquoted values) expressions and
values in source code are left out.
"""

from __future__ import annotations

import fnmatch
import hashlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import ahocorasick_rs
import regex

from mamoru.content.secrets.patterns import PATTERNS, SecretPattern
from mamoru.content.secrets.values import (
    decoded_base64_text,
    entropy,
    is_documentation_value,
    is_filler,
    looks_like_expression,
    looks_like_identifier,
    looks_like_placeholder,
    looks_like_reference,
)

__all__ = ["DEFAULT_TIME_BUDGET", "Allowlist", "ScanOutcome", "SecretMatch", "SecretScanner", "entropy",
           "looks_like_placeholder", "redact", "value_hash"]  # fmt: skip

DEFAULT_TIME_BUDGET = 2.0  # seconds of regular-expression time per file
KEYWORD_SLICE = 64 * 1024  # bytes searched for keywords at once (bounds the hits held in memory)
# source code: an unquoted value after ``password =`` is an expression there, never the secret itself
CODE_SUFFIXES = (".py", ".pyi", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".vue", ".svelte", ".go", ".rb", ".java",
                 ".kt", ".kts", ".scala", ".groovy", ".gradle", ".cs", ".fs", ".vb", ".php", ".rs", ".swift", ".c",
                 ".h", ".cc", ".cpp", ".cxx", ".hpp", ".m", ".mm", ".pl", ".pm", ".lua", ".dart", ".ex", ".exs",
                 ".erl", ".hs", ".clj", ".r", ".jl", ".tf", ".hcl", ".ps1", ".psm1")  # fmt: skip
_SCRIPT = regex.compile(r"#![^\n]{0,80}\b(?:python[\d.]*|perl|ruby|node|php|lua)\b")  # the shebang of code
# third-party and distribution code: names like ``password = …`` there are examples and tests, not the
# image's own configuration, so the generic (name-based) patterns skip it; specific formats still run.
# The package managers' own databases too: dpkg's file lists, checksums and maintainer scripts, apk's and
# rpm's databases, debconf's question templates (its answers, config.dat and passwords.dat, are scanned).
# In archives (``app.jar:…``): the archives bundled inside one (``app.jar:BOOT-INF/lib/x.jar:…``) and
# Maven's build metadata; build tools' caches of downloaded artifacts (Maven, Gradle, Ivy) are third-party too
_ARCHIVE = r"\.(?i:jar|war|ear|par|aar|zip|whl|egg|nupkg):"  # an archive's path, then a member
THIRD_PARTY = regex.compile(
    r"(?:^|/)(?:node_modules|site-packages|dist-packages|vendor|gems|third_party)/"
    r"|^usr/(?:lib|lib64|libexec|share|include)/|^usr/local/go/"
    r"|^var/lib/(?:dpkg|rpm)/|^lib/apk/db/|^var/cache/debconf/templates\.dat(?:-old)?$"
    r"|(?:^|/)(?:\.m2/repository|\.gradle/caches|\.ivy2/cache)/"
    rf"|{_ARCHIVE}.*{_ARCHIVE}|{_ARCHIVE}META-INF/maven/"
)
_VALUE_GROUPS = ("secret", "secret2", "bare")
_ESCAPED_TEXT = regex.compile(r"(?:\\u[0-9A-Fa-f]{4})++[\w.,:;!?()\\-]*+")
_CREDENTIAL_WORDS = ("password", "passwd", "secret", "token", "apikey")


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
        # compiled when a pattern first has a candidate window: ``regex`` takes about 0.5 ms per
        # expression, and a small image's files name only a few of the formats' keywords
        self._compiled: list[regex.Pattern[str] | None] = [None] * len(self.patterns)
        self._reach = [(p.lead, p.span) for p in self.patterns]
        by_keyword: dict[str, list[int]] = {}
        for index, pattern in enumerate(self.patterns):
            for keyword in pattern.keywords:
                by_keyword.setdefault(keyword, []).append(index)
        # ahocorasick-rs (the aho-corasick crate ripgrep uses) as a DFA over bytes: five times the speed
        # of pyahocorasick's automaton on the texts of a Debian image (docs/benchmarks.md, "Secrets").
        # Keywords are lower-case ASCII, so the text is lowered as bytes (ASCII only), one byte a character.
        self.keywords = list(by_keyword)
        self._keyword_patterns = [tuple(indexes) for indexes in by_keyword.values()]
        self._automaton = ahocorasick_rs.BytesAhoCorasick(
            [keyword.encode("ascii") for keyword in self.keywords], implementation=ahocorasick_rs.Implementation.DFA
        )
        self._longest_keyword = max(map(len, self.keywords), default=1)

    def keyword_hits(self, lowered: bytes) -> Iterator[tuple[int, int, int]]:
        """(index into ``keywords``, start, end) of every keyword occurrence, overlapping ones too.

        The crate returns a list per call, so a text is searched a slice at a time: a file made of
        keywords then holds one slice's hits in memory, not millions.
        """
        find = self._automaton.find_matches_as_indexes
        overlap = self._longest_keyword - 1
        for offset in range(0, max(1, len(lowered)), KEYWORD_SLICE):
            own_end = offset + KEYWORD_SLICE  # hits starting from here on belong to the next slice
            for keyword, start, end in find(lowered[offset : own_end + overlap], overlapping=True):
                if offset + start < own_end:
                    yield keyword, offset + start, offset + end

    def candidates(self, lowered: bytes) -> dict[int, list[tuple[int, int]]]:
        """For each pattern whose keywords occur in ``lowered``, the windows where a match may lie.

        Hits come (nearly) in order of their end, so a hit's window mostly extends the pattern's last one: it is
        merged there at once, which keeps a file dense with keywords from piling up millions of windows.
        """
        windows: dict[int, list[list[int]]] = {}
        reach = self._reach
        keyword_patterns = self._keyword_patterns
        for keyword, keyword_start, keyword_end in self.keyword_hits(lowered):
            for index in keyword_patterns[keyword]:
                lead, span = reach[index]
                start, stop = keyword_start - lead, keyword_end + span
                spans = windows.get(index)
                if spans is None:
                    windows[index] = [[start, stop]]
                    continue
                last = spans[-1]
                if start <= last[1]:
                    last[1] = stop if stop > last[1] else last[1]
                    last[0] = start if start < last[0] else last[0]
                else:
                    spans.append([start, stop])
        return {index: _merge([(max(0, a), b) for a, b in spans], len(lowered)) for index, spans in windows.items()}

    def scan(self, text: str, path: str = "") -> ScanOutcome:
        """Every secret in ``text``; ``path`` (relative, no leading slash) drives path-scoped patterns."""
        # one byte per character: what is not Latin-1 cannot be part of an ASCII keyword
        return self._scan(text, text.lower().encode("latin-1", "replace"), path)

    def scan_bytes(self, data: bytes, path: str = "") -> ScanOutcome:
        """:meth:`scan` of a file's bytes, read as Latin-1 (every byte a character, nothing fails to decode)."""
        return self._scan(data.decode("latin-1"), data.lower(), path)

    def _scan(self, text: str, lowered: bytes, path: str) -> ScanOutcome:
        outcome = ScanOutcome()
        candidates = self.candidates(lowered)
        if not candidates:
            return outcome
        deadline = time.monotonic() + self._time_budget
        code = path.lower().endswith(CODE_SUFFIXES) or _SCRIPT.match(text) is not None
        third_party = THIRD_PARTY.search(path) is not None
        seen: set[str] = set()  # value hashes already reported: a value is reported once, by its most specific format
        for index in sorted(candidates, key=self._order):
            pattern = self.patterns[index]
            if pattern.generic and third_party:
                continue
            if pattern.path_suffixes and not path.endswith(pattern.path_suffixes):
                continue
            if pattern.path_regex and not regex.search(pattern.path_regex, path):
                continue
            compiled = self._compiled[index]
            if compiled is None:
                compiled = self._compiled[index] = regex.compile(pattern.regex)
            try:
                for start, stop in candidates[index]:
                    budget = max(0.001, deadline - time.monotonic())
                    for found in compiled.finditer(text, start, stop, timeout=budget):
                        for value, offset, name, bare in _values(found):
                            verdict = self._judge(pattern, value, name, bare, code)
                            if verdict is None or verdict in seen:
                                continue
                            seen.add(verdict)  # an allow-listed value is not reported by a generic pattern either
                            if not self.allowlist.allows(pattern.rule_id, path, verdict):
                                outcome.matches.append(self._match(pattern, value, verdict, text, offset))
            except TimeoutError:
                outcome.timed_out = True
                break
        return outcome

    def _order(self, index: int) -> tuple[bool, bool, int]:
        """Specific formats first; among generic ones, those scoped to a kind of file (``.env``) first."""
        pattern = self.patterns[index]
        return pattern.generic, pattern.generic and not (pattern.path_suffixes or pattern.path_regex), index

    @staticmethod
    def _judge(pattern: SecretPattern, value: str, name: str, bare: bool, code: bool) -> str | None:
        """The value's hash when it may be a secret; None for a value that is none. ``bare``: the value was
        written unquoted, which in source code (``code``) is an expression, never the secret itself."""
        if not value or (bare and code) or is_documentation_value(value):
            return None
        if pattern.name_check is not None and name and not pattern.name_check(name):
            return None
        if pattern.filler_check and is_filler(value):
            return None
        if pattern.generic and _names_something(value, name, bare):
            return None
        if pattern.min_entropy and (looks_like_placeholder(value) or entropy(value) < _min_entropy(pattern, value)):
            return None
        if pattern.generic and (decoded := decoded_base64_text(value)) is not None and looks_like_placeholder(decoded):
            return None  # base64 of a placeholder (Y2hhbmdlbWU= is "changeme")
        if pattern.reject is not None and pattern.reject(value):
            return None
        return value_hash(value)

    @staticmethod
    def _match(pattern: SecretPattern, value: str, hash_: str, text: str, offset: int) -> SecretMatch:
        checksum = pattern.checksum(value) if pattern.checksum is not None else None
        line = text.count("\n", 0, offset) + 1
        return SecretMatch(pattern=pattern, line=line, redacted=redact(value), hash=hash_, checksum_valid=checksum)


def _names_something(value: str, name: str, bare: bool) -> bool:
    """Whether a generic assignment's value names something instead of being a credential: a path or URL, an
    identifier, an unquoted expression, its own name (``PRIVATE_KEY = 'private-key'``, an enumeration) or a
    spelt-out credential word (``MYTOKEN1``, ``SuperSecretToken``)."""
    if looks_like_reference(value) or looks_like_identifier(value) or (bare and looks_like_expression(value)):
        return True
    if _ESCAPED_TEXT.fullmatch(value):
        return True  # a translation written in \uXXXX escapes (Java's LocalStrings_ja.properties)
    squeezed = "".join(c for c in value.lower() if c.isalnum())
    if any(word in squeezed for word in _CREDENTIAL_WORDS):
        return True
    return bool(squeezed) and squeezed in "".join(c for c in name.lower() if c.isalnum())


def _min_entropy(pattern: SecretPattern, value: str) -> float:
    """The pattern's entropy floor, half a bit lower for a value mixing letters, digits and punctuation: a
    password made by a person (``maple.maple2024``) repeats letters, so its entropy per character is low."""
    classes = any(c.isalpha() for c in value) + any(c.isdigit() for c in value) + any(not c.isalnum() for c in value)
    return pattern.min_entropy - (0.5 if classes == 3 else 0.0)


def _values(found: regex.Match[str]) -> Iterator[tuple[str, int, str, bool]]:
    """Each value a match captured, with its offset, the name it is assigned to (if the pattern has a
    ``name`` group) and whether it was written unquoted (``bare``)."""
    groups = found.re.groupindex
    names = found.captures("name") if "name" in groups else []
    for group in _VALUE_GROUPS:
        if group not in groups:
            continue
        values = found.captures(group)
        for index, (value, offset) in enumerate(zip(values, found.starts(group), strict=True)):
            name = names[index] if len(names) == len(values) else (names[-1] if names else "")
            yield value, offset, name, group == "bare"


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
