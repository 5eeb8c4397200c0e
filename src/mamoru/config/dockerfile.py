"""Dockerfiles, parsed the way BuildKit parses them.

The syntax is parsed by BuildKit's own Go parser through the ``dockerfile`` package (line
continuations, the ``# escape=`` directive, heredocs, JSON vs shell form, flags such as ``--mount``
and ``--from``). On top of it this module adds what the parser leaves to BuildKit's dispatcher:
build stages and their names, ``ARG``/``ENV`` expansion with BuildKit's rules (``ARG`` before the
first ``FROM`` is global and only visible to ``FROM`` lines and to stages that re-declare it; ``ENV``
beats ``ARG``; a stage built ``FROM`` an earlier stage inherits that stage's environment), line
numbers for every command inside a joined ``RUN`` line, comments (for inline suppressions) and the
problems BuildKit would refuse (unknown instructions, instructions before ``FROM``, wrong argument counts).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from mamoru.config.image_ref import ImageRef, parse_image
from mamoru.config.lex import process_word

MAX_BYTES = 4 << 20
KNOWN_INSTRUCTIONS = frozenset(
    {
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER",
        "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"
    }
)  # fmt: skip
# How many arguments BuildKit's instruction parser accepts (frontend/dockerfile/instructions/parse.go);
# the syntax parser lets ``FROM`` or ``USER`` with none through, the build then stops with these errors.
_EXACTLY_ONE = frozenset({"USER", "WORKDIR", "STOPSIGNAL", "MAINTAINER"})
_AT_LEAST_ONE = frozenset({"ARG", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL", "ONBUILD", "VOLUME"})
_WITH_DESTINATION = frozenset({"ADD", "COPY"})
# instructions whose arguments BuildKit expands with ARG/ENV values
EXPANDED = frozenset(
    {"ADD", "ARG", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}
)
# build arguments BuildKit defines itself (their values depend on the build)
AUTOMATIC_ARGS = frozenset(
    {
        "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "BUILDPLATFORM", "BUILDOS", "BUILDARCH",
        "BUILDVARIANT"
    }
)  # fmt: skip
_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$")


class DockerfileError(ValueError):
    """The file is not a Dockerfile BuildKit could parse."""


@dataclass(frozen=True, slots=True)
class Heredoc:
    """A ``<<NAME`` here-document: its content and the line its content starts on."""

    name: str
    content: str
    line: int


@dataclass(frozen=True, slots=True)
class Comment:
    line: int
    text: str  # without the leading '#'


@dataclass(slots=True, kw_only=True)
class Instruction:
    """One instruction. ``args`` are expanded (where BuildKit expands) and unquoted; ``raw_args`` as written."""

    keyword: str
    original: str
    line: int
    end_line: int
    flags: tuple[tuple[str, str], ...] = ()
    raw_args: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    json: bool = False
    heredocs: tuple[Heredoc, ...] = ()
    stage: int = -1
    unresolved: frozenset[str] = frozenset()
    sub: Instruction | None = None  # the instruction an ONBUILD carries
    _offsets: list[int] = field(default_factory=list, repr=False)
    _lines: list[int] = field(default_factory=list, repr=False)

    def flag(self, name: str) -> str | None:
        """The value of ``--name=value`` (the last one when repeated); ``""`` for a bare ``--name``."""
        found = None
        for key, value in self.flags:
            if key == name:
                found = value
        return found

    def flag_values(self, name: str) -> list[str]:
        return [value for key, value in self.flags if key == name]

    @property
    def text(self) -> str:
        """The argument text of a shell-form instruction (``RUN``/``CMD``/``ENTRYPOINT``), as written."""
        return " ".join(self.raw_args) if self.json else (self.raw_args[0] if self.raw_args else "")

    def line_at(self, offset: int) -> int:
        """The file line of character ``offset`` of :attr:`text` (shell form)."""
        if not self._offsets:
            return self.line
        base = len(self.original) - len(self.text) if self.original.endswith(self.text) else 0
        index = bisect.bisect_right(self._offsets, base + offset) - 1
        return self._lines[max(index, 0)]


@dataclass(slots=True, kw_only=True)
class Stage:
    """A build stage: ``FROM image [AS name]`` and the instructions up to the next ``FROM``."""

    index: int
    image_text: str  # after expansion
    image: ImageRef | None  # None for scratch, an earlier stage, or an unresolvable reference
    name: str = ""  # lower-cased, as BuildKit compares stage names
    platform: str = ""
    base_stage: int | None = None  # the earlier stage this one is built from
    unresolved: frozenset[str] = frozenset()
    instructions: list[Instruction] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)  # ENV at the end of the stage (inherited ones too)

    @property
    def from_instruction(self) -> Instruction:
        return self.instructions[0]

    @property
    def is_scratch(self) -> bool:
        return self.image_text.lower() == "scratch"

    def of(self, *keywords: str) -> Iterator[Instruction]:
        return (i for i in self.instructions if i.keyword in keywords)


@dataclass(slots=True, kw_only=True)
class Dockerfile:
    """A parsed Dockerfile."""

    path: str
    lines: list[str]
    instructions: list[Instruction]
    stages: list[Stage]
    global_args: dict[str, str]
    directives: dict[str, str]
    comments: list[Comment]
    escape: str = "\\"
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, what BuildKit would refuse)

    @property
    def final_stage(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def stage_named(self, name: str) -> Stage | None:
        for stage in self.stages:
            if stage.name and stage.name == name.lower():
                return stage
        return None

    def all_instructions(self) -> Iterator[Instruction]:
        """Every instruction, and the ones ONBUILD carries right after their ONBUILD."""
        for instruction in self.instructions:
            yield instruction
            if instruction.sub is not None:
                yield instruction.sub


def parse_dockerfile(data: bytes | str, path: str = "Dockerfile") -> Dockerfile:
    """Parse a Dockerfile; raises :class:`DockerfileError` for what BuildKit cannot parse."""
    text = _decode(data)
    import dockerfile as buildkit  # type: ignore[import-not-found]  # BuildKit's Go parser, a few MB: loaded late

    try:
        commands = buildkit.parse_string(text)
    except buildkit.GoParseError as exc:
        raise DockerfileError(str(exc).strip() or "BuildKit cannot parse it") from None
    lines = text.splitlines()
    directives, escape = _directives(lines)
    result = Dockerfile(
        path=path,
        lines=lines,
        instructions=[],
        stages=[],
        global_args={},
        directives=directives,
        comments=[],
        escape=escape,
    )
    heredoc_lines: set[int] = set()
    for command in commands:
        instruction = _instruction(command, lines, escape)
        if not instruction.keyword:
            continue
        for heredoc in instruction.heredocs:
            heredoc_lines.update(range(heredoc.line, heredoc.line + heredoc.content.count("\n") + 1))
        result.instructions.append(instruction)
    result.comments = [
        Comment(number, line.strip()[1:])
        for number, line in enumerate(lines, 1)
        if line.lstrip().startswith("#") and number not in heredoc_lines
    ]
    _Resolver(result).run()
    return result


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        text = data
    else:
        if len(data) > MAX_BYTES:
            raise DockerfileError(f"larger than {MAX_BYTES >> 20} MiB")
        if b"\x00" in data[:8192]:
            raise DockerfileError("a binary file, not a Dockerfile")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DockerfileError("not UTF-8 text") from None
    if len(text) > MAX_BYTES:
        raise DockerfileError(f"larger than {MAX_BYTES >> 20} MiB")
    if "\x00" in text:
        raise DockerfileError("a binary file, not a Dockerfile")
    return text


def _directives(lines: list[str]) -> tuple[dict[str, str], str]:
    """Parser directives: ``# name=value`` lines at the very top, before anything else."""
    directives: dict[str, str] = {}
    for line in lines:
        match = _DIRECTIVE.match(line.strip())
        if match is None or match.group(1).lower() in directives:
            break
        directives[match.group(1).lower()] = match.group(2)
    escape = directives.get("escape", "\\")
    return directives, escape if escape in ("\\", "`") else "\\"


def _split_flag(flag: str) -> tuple[str, str]:
    name, _, value = flag.removeprefix("--").partition("=")
    return name.lower(), value


def _instruction(command: object, lines: list[str], escape: str) -> Instruction:
    keyword = str(getattr(command, "cmd", "")).upper()
    sub_keyword = getattr(command, "sub_cmd", None)
    line = int(getattr(command, "start_line", 1))
    end_line = int(getattr(command, "end_line", line))
    original = str(getattr(command, "original", ""))
    values = tuple(str(v) for v in getattr(command, "value", ()) or ())
    heredocs = _heredocs(getattr(command, "heredocs", ()) or (), lines, line, escape)
    instruction = Instruction(
        keyword=keyword,
        original=original,
        line=line,
        end_line=end_line,
        flags=tuple(_split_flag(str(f)) for f in getattr(command, "flags", ()) or ()),
        raw_args=values,
        args=values,
        json=bool(getattr(command, "json", False)),
        heredocs=heredocs,
    )
    if keyword == "ONBUILD" and sub_keyword:
        instruction.sub = Instruction(
            keyword=str(sub_keyword).upper(),
            original=original,
            line=line,
            end_line=end_line,
            raw_args=values,
            args=values,
            json=bool(getattr(command, "json", False)),
        )
    _map_lines(instruction, lines, escape)
    return instruction


def _heredocs(found: object, lines: list[str], line: int, escape: str) -> tuple[Heredoc, ...]:
    result = []
    header_end = line
    while header_end <= len(lines) and lines[header_end - 1].rstrip().endswith(escape):
        header_end += 1
    cursor = header_end + 1
    for heredoc in found:  # type: ignore[attr-defined]
        content = str(heredoc.content)
        result.append(Heredoc(name=str(heredoc.name), content=content, line=cursor))
        cursor += content.count("\n") + 1
    return tuple(result)


def _map_lines(instruction: Instruction, lines: list[str], escape: str) -> None:
    """Where each physical line's text starts inside the joined ``original``."""
    offsets, numbers = [], []
    cursor = 0
    last = instruction.end_line if not instruction.heredocs else instruction.heredocs[0].line - 1
    for number in range(instruction.line, min(last, len(lines)) + 1):
        raw = lines[number - 1]
        stripped = raw.strip()
        if number > instruction.line and (not stripped or stripped.startswith("#")):
            continue
        piece = stripped[:-1].strip() if stripped.endswith(escape) else stripped
        if not piece:
            continue
        found = instruction.original.find(piece, cursor)
        if found < 0:
            continue
        offsets.append(found)
        numbers.append(number)
        cursor = found + len(piece)
    instruction._offsets = offsets
    instruction._lines = numbers


class _Resolver:
    """Walks the instructions in order: stages, ARG/ENV scopes, expansion and BuildKit's refusals."""

    def __init__(self, dockerfile: Dockerfile) -> None:
        self.df = dockerfile
        self.stage: Stage | None = None
        self.args: dict[str, str] = {}
        self.env: dict[str, str] = {}

    def run(self) -> None:
        for instruction in self.df.instructions:
            keyword = instruction.keyword
            if keyword not in KNOWN_INSTRUCTIONS:
                self.df.problems.append((instruction.line, f"unknown instruction {keyword}"))
            elif (arity := arity_problem(instruction)) is not None:
                self.df.problems.append((instruction.line, arity))
            if keyword == "FROM":
                self._from(instruction)
                continue
            if self.stage is None:
                if keyword == "ARG":
                    self._arg(instruction, self.df.global_args, global_scope=True)
                elif keyword in KNOWN_INSTRUCTIONS:
                    self.df.problems.append((instruction.line, f"{keyword} before the first FROM"))
                continue
            instruction.stage = self.stage.index
            if instruction.sub is not None:
                instruction.sub.stage = self.stage.index
            self.stage.instructions.append(instruction)
            if keyword == "ARG":
                self._arg(instruction, self.args, global_scope=False)
            elif keyword == "ENV":
                self._env(instruction)
            elif keyword == "LABEL":
                self._pairs(instruction, self._scope())
            elif keyword in EXPANDED:
                self._expand(instruction, self._scope())
        if self.stage is not None:
            self.stage.env = dict(self.env)
        if not self.df.stages and self.df.instructions:
            self.df.problems.append((self.df.instructions[0].line, "no FROM instruction"))

    def _scope(self) -> dict[str, str]:
        return {**self.args, **self.env}

    def _from(self, instruction: Instruction) -> None:
        if self.stage is not None:
            self.stage.env = dict(self.env)
        values = list(instruction.raw_args)
        image_raw = values[0] if values else ""
        name = values[2] if len(values) >= 3 and values[1].lower() == "as" else ""
        global_scope = {k: v for k, v in self.df.global_args.items()}
        image_text, unresolved = process_word(image_raw, global_scope, self.df.escape)
        platform = instruction.flag("platform") or ""
        instruction.args = (image_text, *values[1:])
        instruction.unresolved = unresolved
        base = self.df.stage_named(image_text) if image_text else None
        stage = Stage(
            index=len(self.df.stages),
            image_text=image_text,
            image=None
            if base is not None or image_text.lower() == "scratch" or unresolved
            else parse_image(image_text),
            name=name.lower(),
            platform=platform,
            base_stage=base.index if base is not None else None,
            unresolved=unresolved,
        )
        instruction.stage = stage.index
        stage.instructions.append(instruction)
        self.df.stages.append(stage)
        self.stage = stage
        self.args = {}
        self.env = dict(base.env) if base is not None else {}

    def _arg(self, instruction: Instruction, target: dict[str, str], global_scope: bool) -> None:
        expanded = []
        unresolved: set[str] = set()
        for raw in instruction.raw_args:
            name, has_value, value = raw.partition("=")
            if has_value:
                scope = target if global_scope else self._scope()
                value, missing = process_word(value, scope, self.df.escape)
                unresolved |= missing
                target[name] = value
            elif not global_scope and name in self.df.global_args:
                target[name] = self.df.global_args[name]
            else:
                target.pop(name, None)
            expanded.append(f"{name}={value}" if has_value else name)
        instruction.args = tuple(expanded)
        instruction.unresolved = frozenset(unresolved)

    def _env(self, instruction: Instruction) -> None:
        self.env.update(self._pairs(instruction, self._scope()))

    def _pairs(self, instruction: Instruction, scope: Mapping[str, str]) -> dict[str, str]:
        """``KEY value`` pairs of ENV and LABEL, all expanded with the values from before the instruction.

        ``ENV A=1 B=$A`` gives B the A of before the line (both the classic builder and BuildKit do so).
        """
        values = instruction.raw_args
        result: dict[str, str] = {}
        expanded: list[str] = []
        unresolved: set[str] = set()
        for index in range(0, len(values) - 1, 2):
            key, missing_key = process_word(values[index], scope, self.df.escape)
            value, missing = process_word(values[index + 1], scope, self.df.escape)
            unresolved |= missing | missing_key
            result[key] = value
            expanded += [key, value]
        instruction.args = tuple(expanded)
        instruction.unresolved = frozenset(unresolved)
        return result

    def _expand(self, instruction: Instruction, scope: Mapping[str, str]) -> None:
        args: list[str] = []
        unresolved: set[str] = set()
        for value in instruction.raw_args:
            if instruction.json:
                expanded, missing = process_word(value.replace("\\", "\\\\").replace('"', '\\"'), scope, "\\")
            else:
                expanded, missing = process_word(value, scope, self.df.escape)
            unresolved |= missing
            args.append(expanded)
        flags = []
        for key, value in instruction.flags:
            expanded_value, missing = process_word(value, scope, self.df.escape)
            unresolved |= missing
            flags.append((key, expanded_value))
        instruction.args = tuple(args)
        instruction.flags = tuple(flags)
        instruction.unresolved = frozenset(unresolved)


def arity_problem(instruction: Instruction) -> str | None:
    """BuildKit's error for an instruction with the wrong number of arguments, or None."""
    keyword, count = instruction.keyword, len(instruction.raw_args)
    if keyword == "FROM":
        if count == 1 or (count == 3 and instruction.raw_args[1].lower() == "as"):
            return None
        return "FROM requires either one or three arguments"
    if keyword in _EXACTLY_ONE and count != 1:
        return f"{keyword} requires exactly one argument"
    if keyword in _AT_LEAST_ONE and count == 0:
        return f"{keyword} requires at least one argument"
    if keyword in _WITH_DESTINATION and count < 2:
        return f"{keyword} requires at least two arguments: sources and a destination"
    if keyword == "SHELL" and not instruction.json:
        return "SHELL requires the arguments to be in JSON form"
    return None
