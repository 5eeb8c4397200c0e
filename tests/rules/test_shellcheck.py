"""MDF-098: ShellCheck (the real program, installed by .ci/run) on RUN scripts, mapped to Dockerfile lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from mamoru.config.scanner import scan_paths

DOCKERFILE = """\
FROM debian:12
RUN cd /tmp && \\
    rm -rf $DIR/* && \\
    echo "$DIR"
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN [[ -f /x ]] && echo $((1+1)) $UNQUOTED
RUN ["sh", "-c", "[ $a == b ]"]
RUN <<EOF
#!/bin/sh
set -e
cd /opt
[ $x == y ]
EOF
USER 1000
"""


def hits(tmp_path: Path, text: str) -> list[tuple[str, int, str]]:
    (tmp_path / "Dockerfile").write_text(text)
    result = scan_paths([str(tmp_path / "Dockerfile")])
    assert not result.notes, result.notes
    wanted = ("MDF-098", "MDF-034")
    return [(f.rule_id, f.location.line or 0, f.message) for f in result.findings if f.rule_id in wanted]


def test_lines_dialects_levels_and_duplicates(tmp_path: Path) -> None:
    found = [(rule, line, message.split(" (")[0]) for rule, line, message in hits(tmp_path, DOCKERFILE)]
    assert found == [
        ("MDF-034", 2, "cd /tmp"),  # ShellCheck's SC2164 on this line is dropped: MDF-034 says it better
        ("MDF-098", 3, "SC2115"),  # rm -rf $DIR/*, on the continuation line where it is written
        ("MDF-034", 11, "cd /opt"),
        ("MDF-098", 12, "SC3014"),  # the here-document's own #!/bin/sh; its line in the Dockerfile
    ]
    # not reported: [[ ]] in the bash stage; $UNQUOTED (SC2086 is info-level quoting advice); the
    # exec-form RUN, which has no shell script of its own


def test_without_shellcheck_the_rule_does_not_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAMORU_SHELLCHECK", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert [hit[0] for hit in hits(tmp_path, DOCKERFILE)] == ["MDF-034", "MDF-034"]


def test_a_failing_shellcheck_is_a_note_and_the_scan_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "shellcheck"
    broken.write_text("#!/bin/sh\necho 'shellcheck: out of cheese' >&2\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setenv("MAMORU_SHELLCHECK", str(broken))
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    result = scan_paths([str(tmp_path / "Dockerfile")])
    assert any("shellcheck exited with 3: shellcheck: out of cheese" in note.message for note in result.notes)
    assert "MDF-034" in {f.rule_id for f in result.findings}


def test_one_shellcheck_process_per_scan_and_dialect(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scanner hands every Dockerfile's scripts to one shellcheck call per dialect, same findings as one by one."""
    import shutil

    real = shutil.which("shellcheck")
    assert real is not None, "shellcheck is installed by .ci/run"
    calls = tmp_path / "calls"
    wrapper = tmp_path / "shellcheck-wrapper"
    wrapper.write_text(f'#!/bin/sh\necho call >> "{calls}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("MAMORU_SHELLCHECK", str(wrapper))
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text(DOCKERFILE)
    together = scan_paths([str(tmp_path / name) for name in ("a", "b", "c")])
    assert calls.read_text().count("call") == 2  # sh and bash, for the three files together
    alone = [scan_paths([str(tmp_path / name)]) for name in ("a", "b", "c")]
    by_file = sorted((f.location.line, f.message) for f in together.findings if f.rule_id == "MDF-098")
    one_by_one = sorted((f.location.line, f.message) for r in alone for f in r.findings if f.rule_id == "MDF-098")
    assert by_file == one_by_one and len(by_file) == 6


def test_python_documents_and_findings_next_to_other_rules(tmp_path: Path) -> None:
    """A ``RUN <<EOF`` document with a Python ``#!`` is no shell script; a bashism on a line another rule
    reports (curl piped to a shell) is still reported: only SC2164 gives way, to MDF-034."""
    text = (
        "FROM debian:12\n"
        "RUN <<EOF\n#!/usr/bin/env python3\nprint('provisioned')\nEOF\n"
        "RUN bash <(curl -fsSL https://example.com/install.sh)\n"
        "USER 1000\n"
    )
    (tmp_path / "Dockerfile").write_text(text)
    found = [(f.rule_id, f.location.line, f.message.split(" (")[0]) for f in scan_paths([str(tmp_path)]).findings]
    assert ("MDF-098", 6, "SC3001") in found and ("MDF-050", 6) in [(r, line) for r, line, _ in found]
    assert [line for rule, line, _ in found if rule == "MDF-098"] == [6]
