"""Compliance reports: a terminal table, JSON, Markdown and a self-contained HTML page.

Every format lists each control with its status — pass, fail (with the findings that fail it and the
target they came from), manual (with what a person must check) or not assessed (with the target that
would assess it) — and a summary with the score, passed / (passed + failed) controls.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO

from mamoru import __version__
from mamoru.compliance.evaluate import ComplianceResult, ControlResult, Hit, Status
from mamoru.report.findings import headline

FORMATS = ("table", "json", "markdown", "html")
STATUS_LABELS = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.MANUAL: "MANUAL", Status.NOT_ASSESSED: "NOT ASSESSED"}
STATUS_COLOURS = {
    Status.PASS: "#2e8540",
    Status.FAIL: "#b3123b",
    Status.MANUAL: "#8a6d00",
    Status.NOT_ASSESSED: "#8a8f98",
}
MAX_HITS = 20  # findings listed per control (the JSON format lists them all)


def writer(format_name: str) -> Callable[[ComplianceResult, TextIO], None]:
    """The render function of a format."""
    return {"table": render_table, "json": render_json, "markdown": render_markdown, "html": render_html}[format_name]


def to_document(result: ComplianceResult) -> dict[str, Any]:
    """The JSON document (schema: ``mamoru/report/schema/compliance-v1.json``)."""
    spec = result.spec
    return {
        "schemaVersion": 1,
        "tool": {"name": "mamoru", "version": __version__},
        "createdAt": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "spec": {"id": spec.id, "title": spec.title, "version": spec.version, "source": spec.source or None},
        "targets": [
            {
                "target": t.target,
                "scope": t.scope,
                "rulesEvaluated": len(t.evaluated),
                "vulnerabilitiesChecked": t.vulnerabilities_checked,
                "findings": len(t.findings),
                "notes": [str(note) for note in t.notes],
            }
            for t in result.targets
        ],
        "summary": {
            "controls": len(result.controls),
            **{status.value: result.count(status) for status in Status},
            "score": None if result.score is None else round(result.score, 1),
        },
        "controls": [_control_document(control) for control in result.controls],
    }


def _control_document(result: ControlResult) -> dict[str, Any]:
    control = result.control
    return {
        "id": control.id,
        "framework": control.framework,
        "section": control.section,
        "title": control.title,
        "level": control.level,
        "status": result.status.value,
        "evidenceRules": list(result.evidence),
        "evaluatedRules": list(result.evaluated),
        "manual": control.manual or None,
        "hint": result.hint or None,
        "failures": [_hit_document(hit) for hit in result.failures],
        "suppressed": [_hit_document(hit) for hit in result.suppressed],
    }


SCOPE_KINDS = {"image": "container_image", "config": "config", "runtime": "container", "host": "host"}


def _hit_document(hit: Hit) -> dict[str, Any]:
    from mamoru.model.artifact import ArtifactKind
    from mamoru.report.json_report import finding_document

    return {"target": hit.target, **finding_document(hit.finding, ArtifactKind(SCOPE_KINDS[hit.scope]))}


def render_json(result: ComplianceResult, stream: TextIO) -> None:
    json.dump(to_document(result), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def render_table(result: ComplianceResult, stream: TextIO) -> None:
    from rich.table import Table
    from rich.text import Text

    from mamoru.report.console import ReportConsole

    console = ReportConsole(file=stream, width=140 if not stream.isatty() else None,
                            force_terminal=None if stream.isatty() else False, highlight=False,
                            soft_wrap=False)  # fmt: skip
    spec = result.spec
    console.print(Text(f"{spec.title} ({spec.id} {spec.version})", style="bold"))
    console.print("Targets: " + ", ".join(f"{t.target} ({t.scope})" for t in result.targets))
    table = Table(show_lines=False)
    for column in ("Control", "Title", "Status", "Evidence"):
        table.add_column(column)
    styles = {Status.PASS: "green", Status.FAIL: "bold red", Status.MANUAL: "yellow", Status.NOT_ASSESSED: "dim"}
    for item in result.controls:
        table.add_row(
            item.control.id,
            Text(item.control.title),
            Text(STATUS_LABELS[item.status], style=styles[item.status]),
            Text(_evidence_line(item)),
        )
    console.print(table)
    console.print(_summary_line(result))


def _evidence_line(item: ControlResult) -> str:
    if item.status is Status.FAIL:
        counts = Counter(hit.finding.rule_id for hit in item.failures)
        listed = ", ".join(f"{rule} x{n}" if n > 1 else rule for rule, n in counts.most_common(6))
        more = f" (+{len(counts) - 6} rules)" if len(counts) > 6 else ""
        return f"{len(item.failures)} finding(s): {listed}{more}"
    if item.status is Status.PASS:
        checked = [*item.evaluated] + (["vulnerabilities"] if item.control.vulnerabilities else [])
        line = f"checked: {', '.join(checked[:6])}{' …' if len(checked) > 6 else ''}"
        return line + ("; manual part: " + item.control.manual if item.control.manual else "")
    if item.status is Status.MANUAL:
        return item.control.manual
    return item.hint


def _summary_line(result: ComplianceResult) -> str:
    score = "n/a" if result.score is None else f"{result.score:.0f}%"
    counts = ", ".join(f"{result.count(status)} {status.value}" for status in Status)
    return f"Controls: {len(result.controls)} ({counts}). Score: {score} of assessed controls pass."


def render_markdown(result: ComplianceResult, stream: TextIO) -> None:
    spec = result.spec
    lines = [f"## {spec.title} ({spec.id} {spec.version})", "", _summary_line(result), ""]
    lines.append("Targets: " + ", ".join(f"`{t.target}` ({t.scope})" for t in result.targets))
    lines.extend(["", "| Control | Title | Status | Evidence |", "|---|---|---|---|"])
    for item in result.controls:
        lines.append(
            f"| {item.control.id} | {_md(item.control.title)} | **{STATUS_LABELS[item.status]}** "
            f"| {_md(_evidence_line(item))} |"
        )
    failing = [item for item in result.controls if item.status is Status.FAIL]
    if failing:
        lines.extend(["", "### Failing controls", ""])
        for item in failing:
            lines.extend([f"<details><summary>{item.control.id} {_md(item.control.title)} "
                          f"({len(item.failures)})</summary>", ""])  # fmt: skip
            for hit in item.failures[:MAX_HITS]:
                lines.append(f"- `{hit.finding.rule_id}` {_md(headline(hit.finding))} — {_md(hit.target)}")
            if len(item.failures) > MAX_HITS:
                lines.append(f"- … {len(item.failures) - MAX_HITS} more (see `--format json`)")
            lines.extend(["", "</details>"])
    stream.write("\n".join(lines) + "\n")


def _md(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; margin: 0; }
header { background: #14213d; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; } header p { margin: 0; color: #c9d1e0; }
main { padding: 8px 32px 40px; max-width: 1400px; }
h2 { font-size: 18px; margin: 28px 0 10px; border-bottom: 2px solid #e3e6ec; padding-bottom: 4px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-top: 16px; }
.card { background: #f6f7f9; border-radius: 8px; padding: 10px 16px; min-width: 130px; border-left: 6px solid #ccc; }
.card b { display: block; font-size: 24px; } .card span { color: #5d6575; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e3e6ec; vertical-align: top; }
th { background: #f6f7f9; }
.status { color: #fff; border-radius: 4px; padding: 1px 6px; font-size: 11px; font-weight: 600; white-space: nowrap; }
.muted { color: #5d6575; } ul { margin: 4px 0; padding-left: 18px; }
"""


def render_html(result: ComplianceResult, stream: TextIO) -> None:
    spec = result.spec
    e = _escape
    score = "n/a" if result.score is None else f"{result.score:.0f}%"
    cards = [f'<div class="card" style="border-left-color:#2f5d8a"><b>{score}</b><span>Score</span></div>']
    cards += [
        f'<div class="card" style="border-left-color:{STATUS_COLOURS[s]}"><b>{result.count(s)}</b>'
        f"<span>{STATUS_LABELS[s].title()}</span></div>"
        for s in Status
    ]
    sections: dict[str, list[ControlResult]] = {}
    for item in result.controls:
        sections.setdefault(item.control.section, []).append(item)
    chart = _section_chart(sections)
    rows = []
    for section, items in sections.items():
        rows.append(f'<tr><th colspan="4">{e(section)}</th></tr>')
        for item in items:
            colour, label = STATUS_COLOURS[item.status], STATUS_LABELS[item.status]
            badge = f'<span class="status" style="background:{colour}">{label}</span>'
            detail = e(_evidence_line(item))
            if item.failures:
                hits = "".join(
                    f"<li><code>{e(hit.finding.rule_id)}</code> {e(headline(hit.finding))} "
                    f'<span class="muted">{e(hit.target)}</span></li>'
                    for hit in item.failures[:MAX_HITS]
                )
                detail += f"<ul>{hits}</ul>"
            rows.append(
                f"<tr><td>{e(item.control.id)}</td><td>{e(item.control.title)}</td><td>{badge}</td><td>{detail}</td></tr>"
            )
    targets = ", ".join(f"{e(t.target)} ({e(t.scope)})" for t in result.targets)
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(spec.title)}</title>'
        f"<style>{STYLE}</style></head><body><header><h1>{e(spec.title)}</h1>"
        f"<p>{e(spec.id)} {e(spec.version)} · targets: {targets}</p></header><main>"
        f'<section id="summary"><h2>Summary</h2><div class="cards">{"".join(cards)}</div></section>'
        f'<section id="sections"><h2>Status by section</h2>{chart}</section>'
        f'<section id="controls"><h2>Controls</h2><table><thead><tr><th>Control</th><th>Title</th><th>Status</th>'
        f"<th>Evidence</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
        f"</main></body></html>\n"
    )
    stream.write(page)


def _section_chart(sections: dict[str, list[ControlResult]]) -> str:
    """One stacked bar per section: how many of its controls pass, fail, are manual or not assessed."""
    label_width, bar_width, row = 320, 420, 24
    parts = [f'<svg width="{label_width + bar_width + 60}" height="{row * len(sections) + 4}" role="img">']
    largest = max(len(items) for items in sections.values())
    for position, (section, items) in enumerate(sections.items()):
        y = position * row + 2
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" font-size="12">{_escape(section[:48])}</text>'
        )
        x = float(label_width)
        counts = Counter(item.status for item in items)
        for status in Status:
            if counts[status]:
                width = bar_width * counts[status] / largest
                parts.append(
                    f'<rect x="{x:.1f}" y="{y + 4}" width="{width:.1f}" height="{row - 8}" '
                    f'fill="{STATUS_COLOURS[status]}"><title>{counts[status]} {status.value}</title></rect>'
                )
                x += width
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 15}" font-size="12">{len(items)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _escape(text: object) -> str:
    return html.escape(str(text), quote=True)
