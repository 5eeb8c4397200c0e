"""Bounded YAML loading: YAML 1.2 core scalars, merge keys, line numbers and hostile input."""

from __future__ import annotations

import pytest

from mamoru.config.yamldoc import MAX_NODES, YamlError, YMap, YSeq, line_of, load_documents


def test_core_schema_and_lines() -> None:
    documents = load_documents(
        'a: 1\nports:\n  - 80:80\n  - "443"\nflag: on\nreal: true\nnothing: ~\noctal: 0o17\nver: 1.10\n---\n- x\n'
    )
    first, second = documents
    data = first.data
    assert isinstance(data, YMap) and isinstance(data["ports"], YSeq)
    assert data["ports"] == ["80:80", "443"]  # not YAML 1.1's sexagesimal 4880
    assert data["flag"] == "on" and data["real"] is True and data["nothing"] is None
    assert data["octal"] == 15 and data["ver"] == 1.1
    assert data.line_of("ports") == 2 and data["ports"].line_of(1) == 4
    assert line_of(data, "real") == 6 and line_of(data["ports"], 0) == 3 and line_of("text") is None
    assert (first.line, second.line, second.data) == (1, 11, ["x"])


def test_merge_keys_keep_explicit_values() -> None:
    [document] = load_documents(
        "x-base: &base\n  restart: always\n  image: old\nservices:\n  web:\n    <<: *base\n    image: new\n"
    )
    web = document.data["services"]["web"]
    assert web == {"image": "new", "restart": "always"}
    assert web.line_of("image") == 7 and web.line_of("restart") == 2


def test_merge_of_a_list_of_mappings() -> None:
    [document] = load_documents("a: &a {x: 1}\nb: &b {x: 2, y: 3}\nc:\n  <<: [*a, *b]\n")
    assert document.data["c"] == {"x": 1, "y": 3}


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index in range(1, 10):
        name, previous = chr(97 + index), chr(96 + index)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(YamlError, match="YAML bomb"):
        load_documents(billion_laughs())


def test_small_alias_use_is_fine() -> None:
    [document] = load_documents("a: &x {k: v}\nb: *x\nc: *x\n")
    assert document.data["c"] == {"k": "v"} and MAX_NODES > 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [\n b: c", "line 2"),
        ("[" * 5000, "nesting|depth"),
        ("- " * 600 + "x", "nesting|deep"),
        ("a: b\n\tc: d\n", "line 2"),
        ("? [a, b]\n: c\n", "complex mapping keys"),
    ],
)
def test_invalid_or_hostile_yaml_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(YamlError, match=message):
        load_documents(text)
