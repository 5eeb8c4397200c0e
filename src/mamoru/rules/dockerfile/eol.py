"""End-of-life base images: distribution releases and language runtimes that no longer get fixes.

Dates are the end of the last free support phase the official Docker Hub image follows (Debian
LTS, Ubuntu standard support, the upstream end of life of a runtime); paid extended support does not
reach these images. A tag is matched by its version prefix (``python:3.8.19-slim``) and by the
distribution release named in its variant (``python:3.12-slim-buster`` is built on Debian 10).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from mamoru.config.image_ref import ImageRef


@dataclass(frozen=True, slots=True)
class EndOfLife:
    what: str  # "Debian 10 (buster)"
    since: date


def _d(text: str) -> date:
    return date.fromisoformat(text)


# repository (Docker Hub name) → (version prefix, end of life, label)
RUNTIMES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "python": (("2", "2020-01-01", "Python 2"), ("3.5", "2020-09-30", "Python 3.5"),
               ("3.6", "2021-12-23", "Python 3.6"), ("3.7", "2023-06-27", "Python 3.7"),
               ("3.8", "2024-10-07", "Python 3.8"), ("3.9", "2025-10-31", "Python 3.9"),
               ("3.10", "2026-10-31", "Python 3.10")),
    "pypy": (("2", "2020-01-01", "PyPy for Python 2"),),
    "node": tuple((str(v), d, f"Node.js {v}") for v, d in (
        (4, "2018-04-30"), (5, "2016-06-30"), (6, "2019-04-30"), (7, "2017-06-30"), (8, "2019-12-31"),
        (9, "2018-06-30"), (10, "2021-04-30"), (11, "2019-06-01"), (12, "2022-04-30"), (13, "2020-06-01"),
        (14, "2023-04-30"), (15, "2021-06-01"), (16, "2023-09-11"), (17, "2022-06-01"), (18, "2025-04-30"),
        (19, "2023-06-01"), (20, "2026-04-30"), (21, "2024-06-01"), (23, "2025-06-01"))),
    "php": (("5", "2018-12-31", "PHP 5"), ("7.0", "2019-01-10", "PHP 7.0"), ("7.1", "2019-12-01", "PHP 7.1"),
            ("7.2", "2020-11-30", "PHP 7.2"), ("7.3", "2021-12-06", "PHP 7.3"), ("7.4", "2022-11-28", "PHP 7.4"),
            ("8.0", "2023-11-26", "PHP 8.0"), ("8.1", "2025-12-31", "PHP 8.1")),
    "ruby": (("1", "2015-02-23", "Ruby 1.x"), ("2", "2023-03-31", "Ruby 2.x"), ("3.0", "2024-04-23", "Ruby 3.0"),
             ("3.1", "2025-03-31", "Ruby 3.1"), ("3.2", "2026-03-31", "Ruby 3.2")),
    "golang": tuple((f"1.{v}", d, f"Go 1.{v}") for v, d in (
        (10, "2019-02-25"), (11, "2019-09-03"), (12, "2020-02-25"), (13, "2020-08-11"), (14, "2021-02-16"),
        (15, "2021-08-16"), (16, "2022-03-15"), (17, "2022-08-02"), (18, "2023-02-01"), (19, "2023-08-08"),
        (20, "2024-02-06"), (21, "2024-08-13"), (22, "2025-02-11"), (23, "2025-08-12"))),
    "openjdk": (("", "2022-07-01", "the deprecated openjdk image (no updates since 2022; use eclipse-temurin)"),),
    "postgres": tuple((str(v), d, f"PostgreSQL {v}") for v, d in (
        (9, "2021-11-11"), (10, "2022-11-10"), (11, "2023-11-09"), (12, "2024-11-21"), (13, "2025-11-13"),
        (14, "2026-11-12"))),
    "mysql": (("5", "2023-10-31", "MySQL 5.x"), ("8.0", "2026-04-30", "MySQL 8.0")),
    "mongo": (("3", "2021-04-30", "MongoDB 3.x"), ("4", "2024-02-29", "MongoDB 4.x"),
              ("5", "2024-10-31", "MongoDB 5.0"), ("6", "2025-07-31", "MongoDB 6.0")),
    "centos": (("", "2024-06-30", "CentOS Linux"),),
    "amazonlinux": (("1", "2023-12-31", "Amazon Linux 1"), ("2018", "2023-12-31", "Amazon Linux 1"),
                    ("2", "2026-06-30", "Amazon Linux 2")),
    "fedora": tuple((str(v), d, f"Fedora {v}") for v, d in (
        (30, "2020-05-26"), (31, "2020-11-24"), (32, "2021-05-25"), (33, "2021-11-30"), (34, "2022-06-07"),
        (35, "2022-12-13"), (36, "2023-05-16"), (37, "2023-12-05"), (38, "2024-05-21"), (39, "2024-11-26"),
        (40, "2025-05-13"))),
}  # fmt: skip

# distribution releases, by version and code name; also recognised in variant suffixes of other images
DEBIAN = (("7", "wheezy", "2018-05-31"), ("8", "jessie", "2020-06-30"), ("9", "stretch", "2022-06-30"),
          ("10", "buster", "2024-06-30"), ("11", "bullseye", "2026-08-31"))  # fmt: skip
UBUNTU = (("12.04", "precise", "2017-04-28"), ("14.04", "trusty", "2019-04-30"), ("16.04", "xenial", "2021-04-30"),
          ("18.04", "bionic", "2023-05-31"), ("20.04", "focal", "2025-05-31"), ("16.10", "yakkety", "2017-07-20"),
          ("17.04", "zesty", "2018-01-13"), ("17.10", "artful", "2018-07-19"), ("18.10", "cosmic", "2019-07-18"),
          ("19.04", "disco", "2020-01-23"), ("19.10", "eoan", "2020-07-17"), ("20.10", "groovy", "2021-07-22"),
          ("21.04", "hirsute", "2022-01-20"), ("21.10", "impish", "2022-07-14"), ("22.10", "kinetic", "2023-07-20"),
          ("23.04", "lunar", "2024-01-25"), ("23.10", "mantic", "2024-07-11"), ("24.10", "oracular", "2025-07-10"),
          ("25.04", "plucky", "2026-01-15"))  # fmt: skip
ALPINE = tuple((f"3.{minor}", d) for minor, d in (
    (0, "2016-05-01"), (1, "2016-11-01"), (2, "2017-05-01"), (3, "2017-11-01"), (4, "2018-05-01"), (5, "2018-11-01"),
    (6, "2019-05-01"), (7, "2019-11-01"), (8, "2020-05-01"), (9, "2020-11-01"), (10, "2021-05-01"),
    (11, "2021-11-01"), (12, "2022-05-01"), (13, "2022-11-01"), (14, "2023-05-01"), (15, "2023-11-01"),
    (16, "2024-05-23"), (17, "2024-11-22"), (18, "2025-05-09"), (19, "2025-11-01"), (20, "2026-04-01"),
    (21, "2026-11-01")))  # fmt: skip

_VERSION = re.compile(r"^v?(\d+(?:\.\d+)*)")


def end_of_life(image: ImageRef, today: date) -> list[EndOfLife]:
    """What in ``image`` has reached its end of life by ``today`` (empty when nothing is known to)."""
    name = image.hub_name
    tag = image.tag.lower()
    found: list[EndOfLife] = []
    base = name.rsplit("/", 1)[-1] if name.startswith(("library/",)) else name
    version = _VERSION.match(tag)
    number = version.group(1) if version else ""
    if base == "debian":
        found += _debian(tag, number)
    elif base == "ubuntu":
        found += _ubuntu(tag, number)
    elif base == "alpine":
        found += _alpine(number)
    elif base in RUNTIMES:
        for prefix, since, label in RUNTIMES[base]:
            if prefix in ("", number) or number.startswith(prefix + "."):
                found.append(EndOfLife(label, _d(since)))
                break
    if base not in ("debian", "ubuntu", "alpine"):
        found += _variant(tag)
    return [item for item in found if item.since <= today]


def _debian(tag: str, number: str) -> list[EndOfLife]:
    for version, codename, since in DEBIAN:
        if number == version or number.startswith(version + ".") or tag.startswith(codename):
            return [EndOfLife(f"Debian {version} ({codename})", _d(since))]
    return []


def _ubuntu(tag: str, number: str) -> list[EndOfLife]:
    for version, codename, since in UBUNTU:
        if number == version or tag.startswith(codename):
            return [EndOfLife(f"Ubuntu {version} ({codename})", _d(since))]
    return []


def _alpine(number: str) -> list[EndOfLife]:
    for version, since in ALPINE:
        if number == version or number.startswith(version + "."):
            return [EndOfLife(f"Alpine {version}", _d(since))]
    return []


def _variant(tag: str) -> list[EndOfLife]:
    """The distribution a language image's variant names: ``3.9-slim-buster``, ``14-alpine3.12``."""
    words = re.split(r"[-_]", tag)
    for word in words[1:] if len(words) > 1 else []:
        for version, codename, since in DEBIAN:
            if word == codename:
                return [EndOfLife(f"Debian {version} ({codename})", _d(since))]
        for version, codename, since in UBUNTU:
            if word == codename:
                return [EndOfLife(f"Ubuntu {version} ({codename})", _d(since))]
        if word.startswith("alpine") and len(word) > 6:
            return _alpine(word[6:])
    return []
