"""Shell scripts (``RUN`` lines) as commands with their arguments, pipelines and nesting.

Parsed with tree-sitter's bash grammar rather than bashlex: bashlex raises ``NotImplementedError``
on arithmetic expansion, ``case`` and ``[[ … ]]``, all common in Dockerfiles, while tree-sitter
parses the whole bash grammar, recovers from errors instead of failing, and is fast (C).

On top of the syntax tree this module gives rules what they ask about: every simple command
(including those inside ``if``/``for``/functions, subshells, ``$(…)``, ``<(…)`` and ``sh -c '…'``),
its literal arguments with quotes removed, which pipeline it is part of, what it redirects to,
and the command a wrapper runs (``sudo``, ``env``, ``xargs``, ``gosu`` …), reported as a second,
unwrapped command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

MAX_BYTES = 1 << 20
MAX_NODES = 200_000
MAX_DEPTH = 150
MAX_NESTED_SCRIPTS = 4
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox-sh"})
_ESCAPE = re.compile(r"\\(\n|.)", re.S)


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """One simple command. ``offset`` is its character offset in the script the rule was given."""

    argv: tuple[str, ...]
    offset: int
    index: int
    pipeline: int | None = None  # commands joined by ``|`` share this id
    position: int = 0  # place in the pipeline
    parent: int | None = None  # the command whose argument ($(…), <(…), sh -c '…') holds this one
    wrapper: str = ""  # set on the command a wrapper runs: "sudo", "env", "sh -c" …
    assignments: tuple[str, ...] = ()  # NAME=value prefixes (or the names of export/declare)
    redirects: tuple[tuple[str, str], ...] = ()  # (operator, target)

    @property
    def name(self) -> str:
        """The command's base name: ``/usr/bin/apt-get`` → ``apt-get``."""
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""

    @property
    def args(self) -> tuple[str, ...]:
        return self.argv[1:]


@dataclass(slots=True)
class Script:
    """The commands of a script in source order (nested ones right after the command holding them)."""

    text: str
    commands: list[Command] = field(default_factory=list)
    has_errors: bool = False
    truncated: bool = False

    def named(self, *names: str) -> list[Command]:
        return [c for c in self.commands if c.name in names]

    def pipeline_after(self, command: Command) -> list[Command]:
        """The commands that read ``command``'s output through the pipeline it is part of."""
        if command.pipeline is None:
            return []
        return [c for c in self.commands if c.pipeline == command.pipeline and c.position > command.position]

    def ancestors(self, command: Command) -> list[Command]:
        """The commands whose arguments hold ``command`` ($(…), <(…), sh -c), innermost first."""
        found: list[Command] = []
        parent = command.parent
        while parent is not None and len(found) < 32:
            found.append(self.commands[parent])
            parent = self.commands[parent].parent
        return found


@cache
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_bash

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))


def parse_shell(text: str) -> Script:
    """Parse a shell script (bounded: 1 MiB, 200,000 syntax nodes, nesting 150)."""
    script = Script(text=text)
    _Walker(script).parse(text, base=0, parent=None, wrapper="", depth=0)
    return script


class _Walker:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.nodes = 0
        self.pipelines = 0
        self._offset: Any = lambda b: b

    def parse(self, text: str, base: int, parent: int | None, wrapper: str, depth: int) -> None:
        data = text.encode("utf-8", "surrogatepass")
        if len(data) > MAX_BYTES:
            data = data[:MAX_BYTES]
            self.script.truncated = True
        tree = _parser().parse(data)
        root = tree.root_node
        if root.has_error:
            self.script.has_errors = True
        ascii_only = len(data) == len(text)
        saved = self._offset
        self._offset = (
            (lambda b: base + b) if ascii_only else (lambda b: base + len(data[:b].decode("utf-8", "ignore")))
        )
        context = _Context(parent=parent, wrapper=wrapper, nested_depth=depth, fixed_offset=base if wrapper else None)
        try:
            self._visit(root, context, 0)
        finally:
            self._offset = saved

    def _visit(self, node: Any, ctx: _Context, depth: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            self.script.truncated = True
            return
        kind = node.type
        if kind == "command":
            self._command(node, ctx, depth)
            return
        if kind == "pipeline":
            self.pipelines += 1
            pipeline_id = self.pipelines
            for position, child in enumerate(node.named_children):
                self._visit(child, ctx.inside_pipeline(pipeline_id, position), depth + 1)
            return
        if kind == "redirected_statement":
            redirects = tuple(_redirect(c) for c in node.named_children if c.type.endswith("redirect"))
            body = [c for c in node.named_children if not c.type.endswith("redirect")]
            for child in body:
                self._visit(child, ctx.with_redirects(redirects), depth + 1)
            return
        if kind in ("declaration_command", "variable_assignment", "unset_command"):
            self._declaration(node, ctx)
            for child in node.named_children:
                self._visit_words(child, ctx, depth)
            return
        for child in node.named_children:
            self._visit(child, ctx, depth + 1)

    def _visit_words(self, node: Any, ctx: _Context, depth: int) -> None:
        """Commands nested in an argument: ``$(…)``, backticks, ``<(…)``."""
        if node.type in ("command_substitution", "process_substitution"):
            for child in node.named_children:
                self._visit(child, ctx.nested(), depth + 1)
            return
        for child in node.named_children:
            self._visit_words(child, ctx, depth + 1)

    def _add(self, ctx: _Context, node: Any, **fields: Any) -> Command:
        offset = ctx.fixed_offset if ctx.fixed_offset is not None else self._offset(node.start_byte)
        command = Command(
            offset=offset,
            index=len(self.script.commands),
            pipeline=ctx.pipeline,
            position=ctx.position,
            parent=ctx.parent,
            wrapper=ctx.wrapper,
            **fields,
        )
        self.script.commands.append(command)
        return command

    def _declaration(self, node: Any, ctx: _Context) -> None:
        if node.type == "variable_assignment":
            self._add(ctx, node, argv=(), assignments=(_literal(node),))
            return
        words = [node.children[0].type] if node.children else []
        assignments = []
        for child in node.named_children:
            if child.type == "variable_assignment":
                assignments.append(_literal(child))
            else:
                words.append(_literal(child))
        self._add(ctx, node, argv=tuple(words), assignments=tuple(assignments))

    def _command(self, node: Any, ctx: _Context, depth: int) -> None:
        argv: list[str] = []
        assignments: list[str] = []
        redirects = list(ctx.redirects)
        for child in node.named_children:
            if child.type == "variable_assignment":
                assignments.append(_literal(child))
            elif child.type.endswith("redirect"):
                redirects.append(_redirect(child))
            else:
                argv.append(_literal(child))
        command = self._add(ctx, node, argv=tuple(argv), assignments=tuple(assignments), redirects=tuple(redirects))
        inner = ctx.nested(parent=command.index)
        for child in node.named_children:
            if child.type != "variable_assignment":
                self._visit_words(child, inner, depth)
        self._unwrap(command, node, ctx, depth)

    def _unwrap(self, command: Command, node: Any, ctx: _Context, depth: int) -> None:
        """Add the command a wrapper runs (``sudo apt-get …`` → ``apt-get …``), and ``sh -c`` scripts."""
        argv = command.argv
        for _ in range(4):
            name = argv[0].rsplit("/", 1)[-1] if argv else ""
            if name in SHELLS or name in ("su", "eval"):
                script = _inline_script(name, argv)
                substitution_only = script is not None and re.fullmatch(r"\s*(\$\(.*\)|`.*`)\s*", script, re.S)
                if script is not None and not substitution_only and ctx.nested_depth < MAX_NESTED_SCRIPTS:
                    self.parse(
                        script,
                        base=command.offset,
                        parent=command.index,
                        wrapper=f"{name} -c",
                        depth=ctx.nested_depth + 1,
                    )
                return
            inner = _wrapped(name, argv)
            if inner is None or not inner:
                return
            unwrapped = Command(
                argv=tuple(inner),
                offset=command.offset,
                index=len(self.script.commands),
                pipeline=command.pipeline,
                position=command.position,
                parent=command.parent,
                wrapper=name,
                assignments=command.assignments,
                redirects=command.redirects,
            )
            self.script.commands.append(unwrapped)
            argv = tuple(inner)


@dataclass(frozen=True, slots=True)
class _Context:
    parent: int | None = None
    wrapper: str = ""
    nested_depth: int = 0
    fixed_offset: int | None = None
    pipeline: int | None = None
    position: int = 0
    redirects: tuple[tuple[str, str], ...] = ()

    def inside_pipeline(self, pipeline: int, position: int) -> _Context:
        return _Context(self.parent, self.wrapper, self.nested_depth, self.fixed_offset, pipeline, position, ())

    def with_redirects(self, redirects: tuple[tuple[str, str], ...]) -> _Context:
        return _Context(
            self.parent, self.wrapper, self.nested_depth, self.fixed_offset, self.pipeline, self.position, redirects
        )

    def nested(self, parent: int | None = None) -> _Context:
        return _Context(
            self.parent if parent is None else parent, self.wrapper, self.nested_depth, self.fixed_offset, None, 0, ()
        )


def _literal(node: Any) -> str:
    """The value of a word as the shell would pass it, quotes removed; expansions stay as written."""
    kind = node.type
    text: str = node.text.decode("utf-8", "replace")
    if kind == "word":
        return _ESCAPE.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), text)
    if kind == "raw_string":
        return text[1:-1]
    if kind == "ansi_c_string":
        return text[2:-1]
    if kind == "string":
        parts = []
        for child in node.named_children:
            if child.type == "string_content":
                content = child.text.decode("utf-8", "replace")
                parts.append(re.sub(r'\\([$`"\\\n])', lambda m: "" if m.group(1) == "\n" else m.group(1), content))
            else:
                parts.append(child.text.decode("utf-8", "replace"))
        return "".join(parts)
    if kind in ("concatenation", "command_name"):
        return "".join(_literal(child) for child in node.named_children) or text
    if kind == "variable_assignment":
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        left = name.text.decode("utf-8", "replace") if name is not None else ""
        return f"{left}={_literal(value) if value is not None else ''}"
    return text


def _redirect(node: Any) -> tuple[str, str]:
    operator = ""
    target = ""
    for child in node.children:
        if not child.is_named:
            operator += child.text.decode("utf-8", "replace")
        elif child.type not in ("file_descriptor", "heredoc_body", "heredoc_end"):
            target = target or _literal(child)
    return operator, target


_SUDO_VALUE_OPTIONS = frozenset(
    {"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T", "--user", "--group", "--host", "--prompt", "--chdir"}
)
_XARGS_VALUE_OPTIONS = frozenset(["-I", "-n", "-P", "-d", "-L", "-s", "-a", "-E", "-i", "-l"])


def _wrapped(name: str, argv: tuple[str, ...]) -> list[str] | None:
    """The command a wrapper runs, or None when ``name`` wraps nothing."""
    rest = list(argv[1:])
    if name == "sudo":
        while rest and rest[0].startswith("-"):
            option = rest.pop(0)
            if option == "--":
                break
            if option in _SUDO_VALUE_OPTIONS and rest:
                rest.pop(0)
        return rest
    if name == "env":
        while rest and (rest[0].startswith("-") or "=" in rest[0]):
            option = rest.pop(0)
            if option in ("-u", "-C", "--unset", "--chdir") and rest:
                rest.pop(0)
        return rest
    if name in ("nohup", "exec", "command", "builtin", "time", "nice", "stdbuf", "timeout", "ionice", "busybox"):
        while rest and rest[0].startswith("-"):
            option = rest.pop(0)
            if option in ("-n", "-a", "-c", "-i", "-o", "-e", "-s", "-k") and rest and name != "command":
                rest.pop(0)
        if name == "timeout" and rest:
            rest.pop(0)
        return rest
    if name in ("gosu", "su-exec", "chroot", "runuser", "setpriv", "doas", "chpst"):
        while rest and rest[0].startswith("-"):
            rest.pop(0)
        return rest[1:] if rest else rest
    if name == "xargs":
        while rest and rest[0].startswith("-"):
            option = rest.pop(0)
            if option in _XARGS_VALUE_OPTIONS and rest:
                rest.pop(0)
        return rest
    return None


def _inline_script(name: str, argv: tuple[str, ...]) -> str | None:
    """The script of ``sh -c 'script'``, ``su user -c 'script'`` or ``eval …``."""
    if name == "eval":
        return " ".join(argv[1:]) or None
    args = argv[1:]
    for index, arg in enumerate(args):
        if arg == "--command" or (arg.startswith("-") and not arg.startswith("--") and arg.endswith("c")):
            return args[index + 1] if index + 1 < len(args) else None
        if name != "su" and not arg.startswith("-"):
            return None
    return None
