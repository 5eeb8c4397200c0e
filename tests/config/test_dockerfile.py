"""Dockerfiles parsed with BuildKit's semantics; ARG/ENV expansion checked against a real Docker engine."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mamoru.config.dockerfile import MAX_BYTES, DockerfileError, parse_dockerfile

MULTISTAGE = """\
# syntax=docker/dockerfile:1.7
# mamoru:ignore=MDF-003 reason: internal mirror pins by policy
ARG PY=3.12
ARG REG
FROM python:${PY}-slim AS Base
ENV APP=/app HOME=/root
WORKDIR $APP
RUN --mount=type=cache,target=/root/.cache/pip \\
    pip install --no-cache-dir flask==3.0.3 && \\
    # a comment inside the continued instruction
    echo done
FROM base AS final
ARG PY
LABEL runtime="python $PY"
COPY --from=base --chown=10001:10001 /app /app/
RUN <<EOT bash
set -e
apt-get update
EOT
ONBUILD RUN echo child
FROM ${REG}/tools:1
CMD ["run"]
"""


def test_stages_names_and_expansion() -> None:
    dockerfile = parse_dockerfile(MULTISTAGE, "Dockerfile")
    base, final, tools = dockerfile.stages
    assert dockerfile.directives == {"syntax": "docker/dockerfile:1.7"}
    assert (base.name, base.image_text, base.image and base.image.tag) == ("base", "python:3.12-slim", "3.12-slim")
    assert final.base_stage == 0 and final.image is None and final.env == {"APP": "/app", "HOME": "/root"}
    label = next(final.of("LABEL"))
    assert label.args == ("runtime", "python 3.12")  # a re-declared global ARG keeps its default
    copy = next(final.of("COPY"))
    assert copy.flag("from") == "base" and copy.flag("chown") == "10001:10001" and copy.args == ("/app", "/app/")
    assert tools.image is None and tools.unresolved == frozenset({"REG"})  # unknown registry: not guessed
    assert dockerfile.global_args == {"PY": "3.12"}
    assert [c.line for c in dockerfile.comments] == [1, 2, 10]


def test_continuations_heredocs_and_lines() -> None:
    dockerfile = parse_dockerfile(MULTISTAGE)
    run = next(i for i in dockerfile.instructions if i.keyword == "RUN")
    assert (run.line, run.end_line) == (8, 11)
    assert run.flag_values("mount") == ["type=cache,target=/root/.cache/pip"]
    text = run.text
    assert "comment" not in text  # BuildKit drops comment lines inside continuations
    assert run.line_at(text.index("pip install")) == 9 and run.line_at(text.index("echo")) == 11
    heredoc = [i for i in dockerfile.instructions if i.keyword == "RUN"][1]
    assert heredoc.heredocs[0].name == "EOT" and heredoc.heredocs[0].content == "set -e\napt-get update\n"
    assert heredoc.heredocs[0].line == 17
    onbuild = next(i for i in dockerfile.instructions if i.keyword == "ONBUILD")
    assert onbuild.sub is not None and onbuild.sub.keyword == "RUN" and onbuild.sub.stage == 1


def test_json_and_shell_forms_and_escape_directive() -> None:
    dockerfile = parse_dockerfile(
        '# escape=`\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nRUN echo a `\n  b\nCMD ["c:\\\\app.exe"]\n'
    )
    assert dockerfile.escape == "`"
    run, cmd = dockerfile.instructions[1:]
    assert not run.json and run.text.split() == ["echo", "a", "b"] and (run.line, run.end_line) == (3, 4)
    assert cmd.json and cmd.raw_args == ("c:\\app.exe",)


def test_buildkit_refusals_are_problems_not_errors() -> None:
    dockerfile = parse_dockerfile("RUN echo before\nFROM alpine:3.22\nFOO bar\n")
    assert dockerfile.problems == [(1, "RUN before the first FROM"), (3, "unknown instruction FOO")]
    assert parse_dockerfile("ARG X=1\n").problems == [(1, "no FROM instruction")]
    with pytest.raises(DockerfileError, match="no instructions"):
        parse_dockerfile("# only a comment\n")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"FROM alpine\nRUN <<EOT\necho hi\n", "unterminated heredoc"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00FROM x\n", "binary"),
        (b"FROM alpine\nRUN echo \xff\xfe\n", "UTF-8"),
        (b"FROM alpine\n" + b"RUN true\n" * (MAX_BYTES // 9 + 1), "larger than"),
    ],
)
def test_bad_input_is_one_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(DockerfileError, match=message):
        parse_dockerfile(data)


GROUND_TRUTH = """\
ARG BASE=feas/base:latest
ARG UNUSED_GLOBAL=g
FROM ${BASE} AS first
ARG BASE
ARG VERSION=3.12.1
ENV APP_HOME=/opt/app \\
    APP_VERSION=${VERSION} \\
    LIST="a b" \\
    QUOTED='$NOT_EXPANDED' \\
    ESCAPED=\\$HOME \\
    DEFAULTED=${UNSET:-fallback} \\
    ALT=${VERSION:+set} \\
    FROMBASE=${BASE} \\
    GLOBAL=${UNUSED_GLOBAL}
ENV OLDSTYLE value with spaces
LABEL org.example.version="${APP_VERSION}" org.example.home=$APP_HOME "quoted key"=yes
WORKDIR ${APP_HOME}/bin
USER ${UNSET_USER:-1000}:${GID:-1000}
EXPOSE ${PORT:-8080}/tcp 9090
VOLUME ["${APP_HOME}/data"]

FROM first AS second
ENV CHILD=${APP_HOME}/child SELF=$CHILD
"""


@pytest.mark.docker
@pytest.mark.parametrize("buildkit", ["0", "1"])
def test_expansion_matches_a_real_docker_build(docker_images: Path, tmp_path: Path, buildkit: str) -> None:
    """Docker 20.10's classic builder and its BuildKit give the image config we compute from the text."""
    (tmp_path / "Dockerfile").write_text(GROUND_TRUTH)
    tag = f"mamoru/expansion-truth:{buildkit}"
    build = subprocess.run(
        ["/usr/bin/docker", "build", "-q", "--network", "none", "-t", tag, str(tmp_path)],
        capture_output=True, text=True, check=False, env={**_env(), "DOCKER_BUILDKIT": buildkit},
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    inspect = subprocess.run(["/usr/bin/docker", "image", "inspect", tag, "--format", "{{json .Config}}"],
                             capture_output=True, text=True, check=True, env=_env())  # fmt: skip
    config = json.loads(inspect.stdout)
    dockerfile = parse_dockerfile(GROUND_TRUTH)
    final = dockerfile.final_stage
    assert final is not None and dockerfile.stages[0].image_text == "feas/base:latest"
    docker_env = dict(item.split("=", 1) for item in config["Env"])
    assert {key: docker_env[key] for key in final.env} == final.env
    labels = next(i for i in dockerfile.instructions if i.keyword == "LABEL").args
    assert dict(zip(labels[::2], labels[1::2], strict=True)) == config["Labels"]
    by_keyword = {i.keyword: i.args for i in dockerfile.instructions}
    assert by_keyword["WORKDIR"] == (config["WorkingDir"],) and by_keyword["USER"] == (config["User"],)
    assert {p if "/" in p else f"{p}/tcp" for p in by_keyword["EXPOSE"]} == set(config["ExposedPorts"])
    assert set(by_keyword["VOLUME"]) == set(config["Volumes"])


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("FROM\n", "FROM requires either one or three arguments"),
        ("FROM a b\n", "FROM requires either one or three arguments"),
        ("FROM a AS\n", "FROM requires either one or three arguments"),
        ("FROM a\nUSER\n", "USER requires exactly one argument"),
        ("FROM a\nWORKDIR\n", "WORKDIR requires exactly one argument"),
        ("FROM a\nSTOPSIGNAL\n", "STOPSIGNAL requires exactly one argument"),
        ("FROM a\nEXPOSE\n", "EXPOSE requires at least one argument"),
        ("FROM a\nLABEL\n", "LABEL requires at least one argument"),
        ("FROM a\nVOLUME\n", "VOLUME requires at least one argument"),
        ("FROM a\nHEALTHCHECK\n", "HEALTHCHECK requires at least one argument"),
        ("FROM a\nCOPY app\n", "COPY requires at least two arguments: sources and a destination"),
        ("FROM a\nADD <<EOF\nx\nEOF\n", "ADD requires at least two arguments: sources and a destination"),
        ("FROM a\nSHELL /bin/bash -c\n", "SHELL requires the arguments to be in JSON form"),
    ],
)
def test_argument_counts_buildkit_refuses(text: str, problem: str) -> None:
    """The syntax parser lets these through; BuildKit's instruction parser stops the build (same errors)."""
    line = 2 if text.startswith("FROM a\n") else 1
    assert parse_dockerfile(text).problems == [(line, problem)]


def test_argument_counts_buildkit_accepts() -> None:
    text = (
        'FROM a AS b\nMAINTAINER John Doe <j@example.com>\nLABEL a=b c="d e"\nENV A=1 B=2\nENV C 3\n'
        "HEALTHCHECK NONE\nONBUILD RUN echo hi\nARG A B\nUSER 10:10\nEXPOSE 80/tcp 443\nWORKDIR /app\n"
        'SHELL ["/bin/sh", "-c"]\nCOPY <<EOF /etc/motd\nhi\nEOF\nADD --chmod=644 a b /dst/\nSTOPSIGNAL SIGTERM\n'
    )
    assert parse_dockerfile(text).problems == []
