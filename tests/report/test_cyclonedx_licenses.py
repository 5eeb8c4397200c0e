"""mamoru's license classification gives cyclonedx-python-lib's LicenseFactory answer (the oracle)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cyclonedx.contrib.license.factories import LicenseFactory
from hypothesis import given, settings
from hypothesis import strategies as st
from license_expression import get_spdx_licensing  # type: ignore[import-untyped]

from mamoru.report.cyclonedx import Licenses, spdx_ids
from mamoru.scan.pipeline import ScanOptions, scan_image


def _parser_keys() -> set[str]:
    keys: set[str] = set()
    for symbol in get_spdx_licensing().known_symbols.values():
        keys.add(symbol.key.lower())
        keys.update(alias.lower() for alias in symbol.aliases or ())
    return keys


PARSER_KEYS = sorted(_parser_keys())


def assert_same(texts: list[str]) -> None:
    factory, ours = LicenseFactory(), Licenses()
    wrong = [(text, ours.make(text), factory.make_from_string(text)) for text in texts]
    wrong = [item for item in wrong if item[1] != item[2]]
    assert not wrong, wrong[:10]


def test_parser_only_keys_are_the_librarys() -> None:
    ids = spdx_ids()
    only_parser = {key for key in PARSER_KEYS if key not in ids and not key.startswith(("licenseref-", "documentref-"))}
    assert only_parser == set(Licenses.PARSER_ONLY_KEYS), "license-expression changed: update PARSER_ONLY_KEYS"


def test_every_key_the_parser_knows() -> None:
    texts = PARSER_KEYS + [key.upper() for key in PARSER_KEYS] + [key + "+" for key in PARSER_KEYS[::7]]
    assert_same(texts)


def test_compound_and_odd_strings() -> None:
    assert_same([
        "MIT", "mit", "MIT+", "GPL-2.0+", "GPL-2+", "(MIT)", "((MIT))", "MIT AND", "MIT MIT", "AND",
        "mit and apache-2.0", "(MIT OR Apache-2.0) AND BSD-3-Clause", "MIT WITH LLVM-exception",
        "GPL-2.0-only WITH Linux-syscall-note", "GPL 2.0 or MIT", "gpl 2.0", "MIT\tAND Apache-2.0",
        "MIT,Apache-2.0", "MIT/X11", "MIT and Foo", "public-domain", "GPL-3+ with Bison exception",
        "LicenseRef-foo", "LicenseRef-scancode-public-domain", "DocumentRef-a:LicenseRef-b", "", " ", "()",
        "X11 OR BSD", "Apache-2.0 WITH", "WITH MIT", "BSD-2 OR gpl", "assembly-exception",
    ])  # fmt: skip


@pytest.mark.images
@pytest.mark.usefixtures("cache_dir")
@pytest.mark.parametrize("image", ["base-docker.tar", "alpine-docker.tar", "app-docker.tar"])
def test_license_strings_of_real_images(images: Path, image: str) -> None:
    inventory = scan_image(str(images / image), ScanOptions())
    texts = sorted({text for package in inventory.packages for text in package.licenses})
    assert len(texts) > 10
    assert_same(texts)


_WORDS = st.sampled_from([*PARSER_KEYS[::13], "and", "OR", "with", "(", ")", "foo", "GPL-2", "LicenseRef-x", "+"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=6), st.sampled_from([" ", "  ", "\t", ""]))
def test_generated_strings(words: list[str], separator: str) -> None:
    assert_same([separator.join(words)])
