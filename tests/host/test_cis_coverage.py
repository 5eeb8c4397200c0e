"""docs/cis-docker-coverage.md is generated from the rule registry and must be current; its claims hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_coverage_table_is_current() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/cis_docker_coverage.py", "--check", "docs/cis-docker-coverage.md"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_every_automated_item_of_sections_1_to_3_and_5_has_a_rule() -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from cis_docker_coverage import ITEMS, mamoru_rules, status
    finally:
        sys.path.pop(0)
    rules = mamoru_rules()
    words = {item: status(item, rules)[0] for item, _title, _bench in ITEMS}
    assert len(ITEMS) == 94 and "not automated" not in words.values()
    for item, word in words.items():
        if word == "automated" and item != "1.2.2":
            assert rules.get(item), item
