"""ShellCheck on every ``RUN`` script, as hadolint does (its ``SC`` findings), when ``shellcheck`` is installed.

Why a subprocess: ShellCheck is a Haskell program with no Python port; hadolint links it in. The
scripts of every Dockerfile of a scan go to one ``shellcheck --format=json1`` call per shell dialect
(the stage's ``SHELL``, or a here-document's ``#!`` line) — the scanner calls :func:`prefetch` with
all of them first — and each comment's line in a script is mapped back to its Dockerfile line.
Errors and warnings are reported; ShellCheck's info and style levels (quoting advice such as SC2086)
are left out. Codes that misfire on Dockerfiles are excluded as hadolint
excludes them: SC1090/SC1091 (sourced files are not in the build context), SC2154 (variables come
from ``ARG``/``ENV``), SC2187 (ash). ``MAMORU_SHELLCHECK`` names the program when it is not on PATH;
without it the rule does not run (``docs/rules.md`` says so).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import weakref
from collections.abc import Iterator, Sequence

from mamoru.config.detect import ConfigType
from mamoru.model.finding import FindingKind, Rule, Severity
from mamoru.rules.checks import Hit, check
from mamoru.rules.dockerfile.context import DockerfileContext, RunScript, interpreter
from mamoru.rules.refs import nist

EXCLUDED = ("SC1090", "SC1091", "SC2154", "SC2187")
DIALECTS = frozenset({"sh", "bash", "dash", "ksh"})
REPORTED_LEVELS = frozenset({"error", "warning"})
# codes a mamoru rule reports on the same line with more to say: dropped there (SC2164, a `cd` whose
# failure is ignored: MDF-034 says to use WORKDIR)
SAID_BETTER = frozenset({"SC2164"})
TIMEOUT = 60
MAX_SCRIPTS = 500  # RUN scripts of one Dockerfile checked; a real one has a few dozen

SHELLCHECK = Rule(
    id="MDF-098", title="ShellCheck: a problem in a RUN script", severity=Severity.LOW,
    kind=FindingKind.MISCONFIGURATION,
    description="ShellCheck's errors and warnings on the shell scripts of `RUN` (the `SC` codes hadolint "
                "reports): a `cd` whose failure is ignored, a variable that empties a path in `rm -rf`, "
                "syntax the stage's shell does not have. Runs when `shellcheck` is installed (or named by "
                "`MAMORU_SHELLCHECK`); info and style advice is left out.",
    remediation="Fix the script as the message says (https://www.shellcheck.net/wiki/ has a page per code).",
    references=("https://www.shellcheck.net/wiki/", "https://github.com/hadolint/hadolint#rules"),
    compliance=nist("4.1.2"),
)  # fmt: skip


def shellcheck_program() -> str | None:
    """``$MAMORU_SHELLCHECK`` or ``shellcheck`` on PATH."""
    return os.environ.get("MAMORU_SHELLCHECK") or shutil.which("shellcheck")


# hits (or the error) of each Dockerfile checked by prefetch(), until its check takes them
_prefetched: weakref.WeakKeyDictionary[DockerfileContext, list[Hit] | Exception] = weakref.WeakKeyDictionary()


@check(SHELLCHECK, ConfigType.DOCKERFILE)
def shellcheck_findings(context: DockerfileContext) -> Iterator[Hit]:
    found = _prefetched.pop(context, None)
    if found is None:
        prefetch([context])  # used outside a scan (a plugin, a test): this file alone
        found = _prefetched.pop(context, [])
    if isinstance(found, Exception):
        raise found
    yield from found


def prefetch(contexts: Sequence[DockerfileContext]) -> None:
    """Check the RUN scripts of all ``contexts`` in one ``shellcheck`` call per dialect (the scanner
    calls this once per scan: a call costs about 7 ms of start-up, a Dockerfile's scripts far less)."""
    program = shellcheck_program()
    if program is None:
        return
    by_dialect: dict[str, list[tuple[DockerfileContext, RunScript]]] = {}
    for context in contexts:
        _prefetched[context] = []
        for run in context.runs[:MAX_SCRIPTS]:
            if run.script is not None and run.shell != () and run.script.text.strip():
                by_dialect.setdefault(_dialect(run), []).append((context, run))
    for dialect, runs in by_dialect.items():
        try:
            for context, hit in _check(program, dialect, runs):
                found = _prefetched[context]
                if isinstance(found, list):
                    found.append(hit)
        except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as exc:
            for context, _ in runs:
                _prefetched[context] = exc


shellcheck_findings.prefetch = prefetch  # type: ignore[attr-defined]


def _dialect(run: RunScript) -> str:
    assert run.script is not None
    if run.heredoc_line is not None:
        name = interpreter(run.script.text)
    else:
        name = run.shell[0].rsplit("/", 1)[-1] if run.shell else "sh"
    return name if name in DIALECTS else "sh"


def _check(
    program: str, dialect: str, runs: list[tuple[DockerfileContext, RunScript]]
) -> Iterator[tuple[DockerfileContext, Hit]]:
    with tempfile.TemporaryDirectory(prefix="mamoru-shellcheck-") as folder:
        by_path = {}
        for index, (context, run) in enumerate(runs):
            assert run.script is not None
            path = os.path.join(folder, f"run-{index}.sh")
            with open(path, "w", encoding="utf-8", errors="surrogateescape") as handle:
                handle.write(run.script.text)
            by_path[path] = (context, run)
        done = subprocess.run(
            [program, "--format=json1", f"--shell={dialect}", f"--exclude={','.join(EXCLUDED)}", *by_path],
            capture_output=True, timeout=TIMEOUT, check=False,
        )  # fmt: skip
    if done.returncode not in (0, 1):  # 1: comments found; anything else is ShellCheck failing
        message = done.stderr.decode(errors="replace").strip().splitlines()[:1]
        raise RuntimeError(f"shellcheck exited with {done.returncode}: {' '.join(message)}")
    for comment in json.loads(done.stdout or b"{}").get("comments", []):
        commented = by_path.get(comment.get("file", ""))
        if commented is None or comment.get("level") not in REPORTED_LEVELS:
            continue
        context, run = commented
        code = f"SC{comment.get('code')}"
        yield (
            context,
            Hit(
                line=_dockerfile_line(run, int(comment.get("line", 1)), int(comment.get("column", 1))),
                message=f"{code} ({comment.get('level')}): {comment.get('message', '')}",
                evidence=(code,),
                weak=code in SAID_BETTER,
            ),
        )


def _dockerfile_line(run: RunScript, line: int, column: int) -> int:
    """The Dockerfile line of ShellCheck's ``line``:``column`` (both 1-based) in the run's script."""
    assert run.script is not None
    if run.heredoc_line is not None:
        return run.heredoc_line + line - 1
    lines = run.script.text.split("\n")
    offset = sum(len(text) + 1 for text in lines[: line - 1]) + column - 1
    return run.instruction.line_at(min(offset, max(len(run.script.text) - 1, 0)))
