"""String constants read out of real compiled modules equal what the sources hold."""

from __future__ import annotations

import importlib.util
import marshal
import py_compile
import re
import types
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mamoru.content.secrets.pyc import MIN_CONSTANT, OUTPUT_FACTOR, OUTPUT_SLACK, is_pyc, string_constants

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
STDLIB_MODULES = ["json.encoder", "email.utils", "http.client", "argparse", "tarfile", "smtplib", "urllib.parse"]


def code_constants(data: bytes) -> set[str]:
    """The str constants the compiler put in a .pyc, read by ``marshal`` itself (safe here: we compiled it)."""
    found: set[str] = set()
    pending = [marshal.loads(data[16:])]
    while pending:
        code = pending.pop()
        for constant in (*code.co_consts, *code.co_names, *code.co_varnames):
            if isinstance(constant, types.CodeType):
                pending.append(constant)
            elif isinstance(constant, (tuple, frozenset)):
                pending.append(types.SimpleNamespace(co_consts=tuple(constant), co_names=(), co_varnames=()))
            elif isinstance(constant, str) and len(constant.encode()) >= MIN_CONSTANT and not CONTROL.search(constant):
                found.add(constant)
    return found


def compiled(source_path: Path, tmp_path: Path) -> bytes:
    target = tmp_path / (source_path.stem + ".pyc")
    py_compile.compile(str(source_path), cfile=str(target), doraise=True)
    return target.read_bytes()


@pytest.mark.parametrize("module", STDLIB_MODULES)
def test_every_string_constant_of_a_real_module(module: str, tmp_path: Path) -> None:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    source = Path(spec.origin)
    data = compiled(source, tmp_path)
    assert is_pyc(data)
    constants, complete = string_constants(data)
    assert complete
    found = {constant.decode("utf-8", "replace") for constant in constants}
    expected = code_constants(data)
    assert expected, module
    assert expected <= found, sorted(expected - found)[:5]


def test_secret_shapes_come_out_whole(tmp_path: Path) -> None:
    body = "b3BlbnNzaC1rZXktdjEAAAAA" * 20
    key = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n-----END OPENSSH PRIVATE KEY-----\n"
    source = tmp_path / "settings.py"
    source.write_text(
        f"TOKEN = 'ghp_{'R4nd0mT0k3nF0r' * 2}1234abcd'\n"  # 44 characters: a short ASCII string
        f"KEY = {key!r}\n"  # longer than 255: an ASCII string with a 4-byte length
        "GREETING = 'grüße aus köln'\n"  # not ASCII: a UTF-8 string
        "URL = f'postgres://app:{42}@db.internal:5432/app'\n",
        encoding="utf-8",
    )
    found, _ = string_constants(compiled(source, tmp_path))
    assert f"ghp_{'R4nd0mT0k3nF0r' * 2}1234abcd".encode() in found
    assert key.encode() in found
    assert "grüße aus köln".encode() in found
    assert b"postgres://app:" in found


def test_not_a_pyc() -> None:
    assert not is_pyc(b"\x7fELF\x02\x01\x01" + bytes(20))
    assert not is_pyc(b"a\r\n")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096))
def test_hostile_bytes_give_substrings_or_nothing(data: bytes) -> None:
    constants, _ = string_constants(data)
    for constant in constants:
        assert len(constant) >= MIN_CONSTANT and constant in data


def test_lengths_past_the_end_are_ignored() -> None:
    data = bytes(16) + b"a" + (10**9).to_bytes(4, "little") + b"x" * 64 + b"z\x08" + b"abcdefgh"
    assert string_constants(data) == ([b"abcdefgh"], True)


@pytest.mark.parametrize(
    "body",
    [b"z" * (8 << 20), bytes(range(32, 127)) * ((8 << 20) // 95), b"zAzBzCzDzEzFzGzH" * ((8 << 20) // 16)],
    ids=["one-letter", "printable-cycle", "many-short-headers"],
)
def test_hostile_modules_are_bounded(body: bytes) -> None:
    """Every byte a string header: bounded output (at most the file's size) and time (the budget)."""
    data = bytes(16) + body
    constants, complete = string_constants(data, time_budget=0.5)
    assert sum(map(len, constants)) <= OUTPUT_FACTOR * len(data) + OUTPUT_SLACK + 255
    if complete:
        assert len(constants) == len(set(constants))
