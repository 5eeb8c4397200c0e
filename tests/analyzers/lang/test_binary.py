"""Binary classifiers on files that only look like the programs (the real ones: test_lang_image.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mamoru.analyzers.lang.binary import classify
from mamoru.scan.pipeline import ScanOptions, scan_filesystem


def test_version_patterns() -> None:
    assert classify("redis-server", b"\0\xdfA7.2.4buildkitsandbox-1706000000000000000\0") == ("redis", "7.2.4")
    assert classify("postgres", b"to PostgreSQL 9.1.\0x\0PostgreSQL 16.1 on x86_64\0") == ("postgresql", "16.1")
    assert classify("python3.12", b"\x003.11.9\x00\x003.12.1\x00") == ("python", "3.12.1")
    assert classify("libpython3.12.so.1.0", b"\x003.12.0rc1\x00") == ("python", "3.12.0rc1")
    assert classify("openssl", b"\x00OpenSSL 1.1.1w  11 Sep 2023\x00") == ("openssl", "1.1.1w")
    assert classify("nginx", b"no version here") is None
    assert classify("ls", b"BusyBox v1.36.1") is None


@pytest.mark.usefixtures("cache_dir")
def test_scripts_named_like_programs_are_not_classified(tmp_path: Path) -> None:
    (tmp_path / "usr/local/bin").mkdir(parents=True)
    (tmp_path / "usr/local/bin/curl").write_text("#!/bin/sh\n# curl/7.88.1 wrapper\n" + "echo\n" * 2000)
    (tmp_path / "usr/local/bin/curl").chmod(0o755)
    assert scan_filesystem(str(tmp_path), ScanOptions()).packages == []
