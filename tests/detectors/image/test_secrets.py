"""Secrets in image config: ENV, labels and the build history."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.helpers import OS_RELEASE, ImageSpec, docker_archive, files, layer_tar

from mamoru.detectors.image.secrets import is_secret_name
from mamoru.model.finding import FindingKind
from mamoru.scan.pipeline import ScanOptions, scan_image

SECRETS = ScanOptions(scanners=frozenset({FindingKind.SECRET}))


@pytest.mark.parametrize(("name", "secret"), [
    ("DB_PASSWORD", True), ("GITHUB_TOKEN", True), ("AWS_SECRET_ACCESS_KEY", True), ("API_KEY", True),
    ("MYSQL_ROOT_PASSWORD", True), ("GPG_KEY", False), ("PASSWORD_FILE", False), ("KEYRING", False),
    ("ACCESS_LOG", False), ("TOKEN_URL", False), ("PATH", False), ("PYTHON_VERSION", False),
    ("MYSQL_PWD", True), ("SIGNING_KEY", True), ("DB_PASS", True), ("JWT_SECRET_SSM_PATH", False),
    ("TOKEN_TTL_SECONDS", False), ("API_KEY_HEADER", False),
])  # fmt: skip
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


@pytest.mark.usefixtures("cache_dir")
def test_env_labels_and_history(tmp_path: Path) -> None:
    history = [
        {"created_by": "/bin/sh -c #(nop) ADD file:x in / "},
        {"created_by": "|2 NPM_TOKEN=n9Kq2LmV8xT4Rz7Wp3Yc VERSION=1.2 /bin/sh -c npm ci"},
        {"created_by": '/bin/sh -c curl -H "Authorization: Bearer Zq8W3kLm9Xv2Tn5Rp7Yb4Jc6" https://x.invalid/x'},
        {"created_by": "/bin/sh -c #(nop)  ENV MYSQL_ROOT_PASSWORD=Str0ngButL3aked", "empty_layer": True},
    ]
    env = [
        "PATH=/usr/bin",
        "MYSQL_ROOT_PASSWORD=Str0ngButL3aked",
        "PASSWORD_FILE=/run/secrets/db",
        "GPG_KEY=0x1234ABCD",
    ]
    labels = {"deploy.token": "ghp_R4nd0mT0k3nF0rT3st1ngPurp0s3sOnly123"}
    layers = [
        layer_tar(files(("etc/os-release", OS_RELEASE))),
        layer_tar(files(("a", "1"))),
        layer_tar(files(("b", "2"))),
    ]
    spec = ImageSpec(layers=layers, history=history, config_extra={"config": {"Env": env, "Labels": labels}})
    findings = scan_image(str(docker_archive(tmp_path / "img.tar", spec)), SECRETS).findings
    summary = {(f.rule_id, f.location.layer.index if f.location and f.location.layer else None) for f in findings}
    assert summary == {
        ("SEC-100", None),  # ENV MYSQL_ROOT_PASSWORD (once, though history repeats it)
        ("SEC-003", None),  # a GitHub token in a label
        ("SEC-101", 1),  # build argument NPM_TOKEN recorded in the history of layer 1
        ("SEC-051", 2),  # curl with a bearer token in layer 2's RUN
    }


@pytest.mark.usefixtures("cache_dir")
def test_name_held_credentials_keep_their_config_rule_and_run_lines_get_the_generic_one(tmp_path: Path) -> None:
    """An ENV credential is SEC-100 (not the generic file-content rule); a RUN line's assignment is SEC-064."""
    history = [
        {"created_by": "/bin/sh -c #(nop) ADD file:x in / "},
        {"created_by": "/bin/sh -c #(nop)  ENV SIGNING_KEY=Qw7Rt2Yp9Lk4Zx8Vb3Nm", "empty_layer": True},
        {"created_by": "/bin/sh -c export DB_PASSWORD=Zq8W3kLm9Xv2Tn5Rp7Yb && ./migrate --all"},
    ]
    env = ["SIGNING_KEY=Qw7Rt2Yp9Lk4Zx8Vb3Nm", "JWT_SECRET_SSM_PATH=/prod/app/jwt", "API_KEY_HEADER=X-Api-Key"]
    layers = [layer_tar(files(("etc/os-release", OS_RELEASE))), layer_tar(files(("migrate", "1")))]
    spec = ImageSpec(layers=layers, history=history, config_extra={"config": {"Env": env}})
    findings = scan_image(str(docker_archive(tmp_path / "img.tar", spec)), SECRETS).findings
    summary = {(f.rule_id, f.location.layer.index if f.location and f.location.layer else None) for f in findings}
    assert summary == {("SEC-100", None), ("SEC-064", 1)}
