"""RUN lines as shell: commands, arguments, pipelines, nesting, wrappers and bounds."""

from __future__ import annotations

from mamoru.config.shell import parse_shell


def names(text: str) -> list[tuple[str, str]]:
    return [(c.name, c.wrapper) for c in parse_shell(text).commands]


def test_lists_quotes_and_offsets() -> None:
    text = 'apt-get update && apt-get install -y "py"thon\\ 3 $PKG ${V:-x} && echo ü | tee /x'
    script = parse_shell(text)
    install = script.commands[1]
    assert install.argv == ("apt-get", "install", "-y", "python 3", "$PKG", "${V:-x}")
    assert text[install.offset :].startswith("apt-get install")
    tee = script.named("tee")[0]
    assert text[tee.offset :].startswith("tee") and script.pipeline_after(script.named("echo")[0]) == [tee]


def test_constructs_bashlex_cannot_parse() -> None:
    text = (
        "case $x in a) echo a;; esac; [[ -f x ]] && y=$((1+2)); f() { rm -rf /tmp/x; }; "
        "for i in 1 2; do chmod 777 $i; done"
    )
    found = [name for name, _ in names(text)]
    assert {"echo", "rm", "chmod"} <= set(found)
    assert not parse_shell(text).has_errors


def test_wrappers_are_unwrapped() -> None:
    found = names("sudo -u app -E apt-get install -y curl && env DEBIAN_FRONTEND=noninteractive apt-get upgrade")
    assert ("apt-get", "sudo") in found and ("apt-get", "env") in found and ("sudo", "") in found
    assert ("make", "gosu") in names("gosu app make install")
    assert ("rm", "xargs") in names("find . -name '*.pyc' | xargs -r rm -f")


def test_nested_scripts_and_substitutions() -> None:
    script = parse_shell(
        'sh -c "$(curl -fsSL https://x/i.sh)" && bash <(wget -qO- https://y) && bash -ec "chmod -R 777 /opt"'
    )
    curl = script.named("curl")[0]
    assert [a.name for a in script.ancestors(curl)] == ["sh"]
    wget = script.named("wget")[0]
    assert [a.name for a in script.ancestors(wget)] == ["bash"]
    chmod = script.named("chmod")[0]
    assert chmod.wrapper == "bash -c" and chmod.argv == ("chmod", "-R", "777", "/opt")


def test_redirects_and_declarations() -> None:
    script = parse_shell("export A=1 B=2; curl -s https://x > /tmp/out 2>&1; GIT_SSL_NO_VERIFY=1 git clone x")
    export = script.commands[0]
    assert export.argv == ("export",) and export.assignments == ("A=1", "B=2")
    assert ("> ", "/tmp/out") in [(op.strip() + " ", t) for op, t in script.named("curl")[0].redirects]
    assert script.named("git")[0].assignments == ("GIT_SSL_NO_VERIFY=1",)


def test_broken_and_huge_scripts_are_bounded() -> None:
    broken = parse_shell("echo 'unterminated && rm -rf / ((( $(")
    assert broken.has_errors
    huge = parse_shell("echo a && " * 300_000)
    assert huge.truncated and len(huge.commands) > 0
