"""End-of-life base images, by tag and by the distribution named in a variant."""

from __future__ import annotations

from datetime import date

import pytest

from mamoru.config.image_ref import parse_image
from mamoru.rules.dockerfile.eol import end_of_life

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("image", "what"),
    [
        ("centos:7", ["CentOS Linux"]),
        ("centos", ["CentOS Linux"]),
        ("debian:stretch-slim", ["Debian 9 (stretch)"]),
        ("docker.io/library/debian:10.13", ["Debian 10 (buster)"]),
        ("ubuntu:18.04", ["Ubuntu 18.04 (bionic)"]),
        ("ubuntu:focal-20240530", ["Ubuntu 20.04 (focal)"]),
        ("python:2.7-slim", ["Python 2"]),
        ("python:3.12-slim-buster", ["Debian 10 (buster)"]),
        ("node:14-alpine3.12", ["Node.js 14", "Alpine 3.12"]),
        ("golang:1.19-alpine", ["Go 1.19"]),
        ("openjdk:17-jdk-slim", ["the deprecated openjdk image (no updates since 2022; use eclipse-temurin)"]),
        ("ubuntu:24.04", []),
        ("python:3.13-slim-bookworm", []),
        ("alpine:3.22", []),
        ("registry.example.com/python:2.7", []),  # not Docker Hub's python
    ],
)
def test_end_of_life(image: str, what: list[str]) -> None:
    ref = parse_image(image)
    assert ref is not None
    assert [item.what for item in end_of_life(ref, TODAY)] == what


def test_a_release_is_only_end_of_life_after_its_date() -> None:
    ref = parse_image("python:3.10-slim")
    assert ref is not None
    assert end_of_life(ref, date(2026, 10, 30)) == [] and end_of_life(ref, date(2026, 11, 1))
