"""What Dockerfile checks see: the parsed file plus each ``RUN`` line parsed as a shell script, once."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from mamoru.config.dockerfile import Dockerfile, Instruction, Stage
from mamoru.config.shell import SHELLS, Command, Script, parse_shell

_HEREDOC_MARK = re.compile(r"<<-?\s*([\"']?)([A-Za-z_][A-Za-z0-9_]*)\1")
_NON_POSIX = ("pwsh", "powershell", "cmd")


@dataclass(frozen=True, slots=True)
class RunScript:
    """One ``RUN`` (or ``ONBUILD RUN``) as a shell script; ``script`` is None for non-POSIX shells and for a
    ``RUN <<EOF`` document whose ``#!`` names another interpreter (Python …)."""

    instruction: Instruction
    script: Script | None
    heredoc_line: int | None = None  # the script is a here-document starting on this line
    shell: tuple[str, ...] = ("/bin/sh", "-c")  # the stage's SHELL when the RUN is in shell form

    def line(self, command: Command) -> int:
        """The Dockerfile line a command of the script is on."""
        if self.script is None:
            return self.instruction.line
        if self.heredoc_line is not None:
            return self.heredoc_line + self.script.text.count("\n", 0, command.offset)
        return self.instruction.line_at(command.offset)


@dataclass(frozen=True, slots=True)
class RunCommand:
    """A command of a ``RUN`` line, with where it is."""

    run: RunScript
    command: Command

    @property
    def line(self) -> int:
        return self.run.line(self.command)

    @property
    def instruction(self) -> Instruction:
        return self.run.instruction

    @property
    def script(self) -> Script:
        assert self.run.script is not None
        return self.run.script


class DockerfileContext:
    """A Dockerfile being checked."""

    def __init__(self, dockerfile: Dockerfile) -> None:
        self.dockerfile = dockerfile

    @property
    def path(self) -> str:
        return self.dockerfile.path

    @property
    def stages(self) -> list[Stage]:
        return self.dockerfile.stages

    @cached_property
    def runs(self) -> list[RunScript]:
        """Every RUN of every stage, and the RUN that ONBUILD carries, in file order."""
        runs = []
        shells: dict[int, list[str]] = {}
        for instruction in self.dockerfile.instructions:
            if instruction.keyword == "SHELL" and instruction.json:
                shells[instruction.stage] = list(instruction.raw_args)
            target = instruction.sub if instruction.keyword == "ONBUILD" else instruction
            if target is None or target.keyword != "RUN":
                continue
            shell = shells.get(instruction.stage, ["/bin/sh", "-c"])
            runs.append(_run_script(target, shell))
        return runs

    def commands(self, *names: str) -> Iterator[RunCommand]:
        """The commands of every RUN, optionally only those with one of ``names``."""
        for run in self.runs:
            if run.script is None:
                continue
            for command in run.script.commands:
                if not names or command.name in names:
                    yield RunCommand(run, command)

    def chain(self, stage: Stage) -> list[Stage]:
        """``stage`` and the earlier stages it is built FROM, nearest first."""
        chain = [stage]
        while chain[-1].base_stage is not None and len(chain) <= len(self.stages):
            chain.append(self.stages[chain[-1].base_stage])
        return chain

    @cached_property
    def final_chain(self) -> list[Stage]:
        final = self.dockerfile.final_stage
        return self.chain(final) if final is not None else []

    def last_in_final_image(self, *keywords: str) -> Instruction | None:
        """The instruction of these keywords that takes effect in the final image (last one wins)."""
        for stage in self.final_chain:
            found = [i for i in stage.instructions if i.keyword in keywords]
            if found:
                return found[-1]
        return None

    def stage_of(self, instruction: Instruction) -> Stage | None:
        return self.stages[instruction.stage] if 0 <= instruction.stage < len(self.stages) else None


def _run_script(instruction: Instruction, shell: list[str]) -> RunScript:
    if shell and shell[0].rsplit("/", 1)[-1].lower().startswith(_NON_POSIX):
        return RunScript(instruction, None)
    if instruction.json:  # exec form: no SHELL involved
        return RunScript(instruction, parse_shell(shlex.join(instruction.raw_args)), shell=())
    text = instruction.text
    if instruction.heredocs:
        words = _HEREDOC_MARK.sub("", text).split()
        heredoc = instruction.heredocs[0]
        # RUN <<EOF (BuildKit runs the document as the script) or RUN <<EOF bash -e (the shell reads it)
        reads_stdin = not words or (
            words[0].rsplit("/", 1)[-1] in SHELLS
            and not any(w.startswith("-") and not w.startswith("--") and "c" in w for w in words[1:])
        )
        if reads_stdin and interpreter(heredoc.content) in SHELLS:
            return RunScript(instruction, parse_shell(heredoc.content), heredoc_line=heredoc.line, shell=tuple(shell))
        if not words:  # RUN <<EOF with a #!python (…) document: BuildKit runs it with that interpreter
            return RunScript(instruction, None)
        # the here-documents are data for the command (cat <<EOF > file, python3 <<EOF)
        data = "".join(f"\n{h.content}{h.name}" for h in instruction.heredocs)
        return RunScript(instruction, parse_shell(text + data), shell=tuple(shell))
    return RunScript(instruction, parse_shell(text), shell=tuple(shell))


def interpreter(script: str) -> str:
    """The shell a here-document script runs in: its ``#!`` line's program, else ``sh``."""
    first = script.split("\n", 1)[0]
    if not first.startswith("#!"):
        return "sh"
    words = first[2:].split()
    if words and words[0].endswith("/env") and len(words) > 1:
        words = words[1:]
    return words[0].rsplit("/", 1)[-1] if words else "sh"
