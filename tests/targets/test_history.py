"""History lines → Dockerfile instructions, and history → layer mapping."""

from __future__ import annotations

import pytest

from mamoru.targets.history import instruction_from_created_by, parse_history


@pytest.mark.parametrize(
    ("created_by", "instruction"),
    [
        ('/bin/sh -c #(nop)  CMD ["bash"]', 'CMD ["bash"]'),
        ("/bin/sh -c #(nop) ADD file:3f3a in / ", "ADD file:3f3a in /"),
        ("/bin/sh -c apt-get update && apt-get install -y curl", "RUN apt-get update && apt-get install -y curl"),
        ("|2 VERSION=1.2 TOKEN=abc /bin/sh -c make install", "RUN make install"),
        ("RUN /bin/sh -c apt-get install -y nginx # buildkit", "RUN apt-get install -y nginx"),
        ("RUN |1 GO_VERSION=1.22 /bin/sh -c go build ./... # buildkit", "RUN go build ./..."),
        ("COPY . /app # buildkit", "COPY . /app"),
        ("WORKDIR /app", "WORKDIR /app"),
        ("ENV PATH=/usr/local/bin:/usr/bin", "ENV PATH=/usr/local/bin:/usr/bin"),
        ("mmdebstrap --variant=minbase bookworm", ""),
        ("", ""),
    ],
)
def test_instruction_from_created_by(created_by: str, instruction: str) -> None:
    assert instruction_from_created_by(created_by) == instruction


def test_empty_layers_are_skipped_when_mapping() -> None:
    history = [
        {"created_by": "/bin/sh -c #(nop) ADD file:x in / "},
        {"created_by": '/bin/sh -c #(nop)  CMD ["bash"]', "empty_layer": True},
        {"created_by": "/bin/sh -c apt-get install -y curl"},
    ]
    entries, mapping, warning = parse_history(history, 2)
    assert [entries[i].instruction for i in mapping if i is not None] == [
        "ADD file:x in /",
        "RUN apt-get install -y curl",
    ]
    assert entries[1].layer_index is None and entries[2].layer_index == 1
    assert not warning


def test_count_mismatch_warns_and_maps_what_it_can() -> None:
    _entries, mapping, warning = parse_history([{"created_by": "/bin/sh -c true"}], 3)
    assert mapping == [0, None, None]
    assert "1 layer-creating steps for 3 layers" in warning


def test_history_that_is_not_a_list() -> None:
    assert parse_history({"bad": 1}, 2) == ((), [None, None], "")
