"""Each image rule fires on its `fail` fixture and not on its `pass` fixture (tests/fixtures/rules/<id>/).

A fixture is a `rootfs/` directory and an `image.json` (image config overrides, history, tags, created
date, `modes` — file modes git cannot keep, like setuid — and `renames` for paths git cannot hold,
like a `.git` directory). It is packed into a one-layer docker-archive and scanned with every scanner.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import ImageSpec, docker_archive

from mamoru.content.settings import ContentSettings
from mamoru.model.finding import FindingKind
from mamoru.scan.pipeline import ScanOptions, scan_image

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rules"
IMAGE_RULE_PREFIXES = ("MAL-", "IMG-", "FILE-", "ACCT-", "PKG-")
RULE_DIRS = (
    sorted(p.name for p in FIXTURES.iterdir() if p.name.startswith(IMAGE_RULE_PREFIXES)) if FIXTURES.is_dir() else []
)


def layer_from(rootfs: Path, modes: dict[str, str], renames: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for directory, dirs, files in sorted(os.walk(rootfs)):
            dirs.sort()
            for name in [*dirs, *sorted(files)]:
                path = Path(directory) / name
                relative = path.relative_to(rootfs).as_posix()
                for old, new in renames.items():
                    if relative == old or relative.startswith(old + "/"):
                        relative = new + relative[len(old) :]
                info = archive.gettarinfo(str(path), arcname=relative)
                info.uid = info.gid = 0
                info.uname = info.gname = "root"
                if relative in modes:
                    info.mode = int(modes[relative], 8)
                with open(path, "rb") if info.isreg() else open(os.devnull, "rb") as handle:
                    archive.addfile(info, handle if info.isreg() else None)
    return buffer.getvalue()


def fixture_image(directory: Path, tmp_path: Path) -> Path:
    spec_doc: dict[str, Any] = json.loads((directory / "image.json").read_text())
    layer = layer_from(directory / "rootfs", spec_doc.get("modes", {}), spec_doc.get("renames", {}))
    history = spec_doc.get("history") or [{"created_by": "/bin/sh -c #(nop) ADD file:fixture in / "}]
    history = [history[0], *({**h, "empty_layer": True} for h in history[1:])]
    extra = {"config": spec_doc.get("config", {}), "created": spec_doc.get("created", "2026-11-01T00:00:00Z")}
    spec = ImageSpec(layers=[layer], history=history, config_extra=extra)
    tag = (spec_doc.get("repo_tags") or ["example/app:1.0"])[0]
    return docker_archive(tmp_path / f"{directory.parent.name}-{directory.name}.tar", spec, tag=tag)


def test_every_image_rule_has_fixtures() -> None:
    from mamoru.rules import all_rules

    image_rules = {r.id for r in all_rules() if r.id.startswith(IMAGE_RULE_PREFIXES)}
    assert image_rules and image_rules == set(RULE_DIRS)


def content_settings(directory: Path, tmp_path: Path) -> ContentSettings:
    """User YARA rules (``yara``) and hash lists (``hashes``) a fixture asks for."""
    spec_doc: dict[str, Any] = json.loads((directory / "image.json").read_text())
    yara_paths, hash_lists = [], []
    if "yara" in spec_doc:
        (tmp_path / "rules.yar").write_text(spec_doc["yara"])
        yara_paths.append(tmp_path / "rules.yar")
    if "hashes" in spec_doc:
        (tmp_path / "bad.sha256").write_text("\n".join(spec_doc["hashes"]) + "\n")
        hash_lists.append(tmp_path / "bad.sha256")
    return ContentSettings(yara_paths=tuple(yara_paths), hash_lists=tuple(hash_lists))


@pytest.mark.usefixtures("cache_dir")
@pytest.mark.parametrize("rule_id", RULE_DIRS)
def test_rule_fails_and_passes(rule_id: str, tmp_path: Path) -> None:
    for outcome, should_fire in (("fail", True), ("pass", False)):
        directory = FIXTURES / rule_id / outcome
        options = ScanOptions(scanners=frozenset(FindingKind), content=content_settings(directory, tmp_path))
        fired = {f.rule_id for f in scan_image(str(fixture_image(directory, tmp_path)), options).findings}
        assert (rule_id in fired) is should_fire, (outcome, sorted(fired))
