"""A self-contained HTML report: one file, inline CSS and SVG, no scripts or assets from elsewhere.

Sections (each an ``<section id=…>`` the screenshot test looks for): the summary cards, a severity
chart and a chart of the compliance controls the findings touch, the image layer by layer (the
instruction that made each layer, its size, the packages it added and the findings it brought), the
findings table, suppressed findings with their reasons, and notes. Everything the image controls
(paths, instructions, messages) is escaped; instructions go through the secret redaction.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TextIO

from mamoru.model.finding import Finding, Severity
from mamoru.model.inventory import Inventory
from mamoru.model.package import Package
from mamoru.model.report import ScanReport
from mamoru.report.findings import KIND_TITLES, place, rule_of, sorted_findings
from mamoru.report.redact import redact_command

MAX_TABLE_ROWS = 5000
MAX_LAYER_ITEMS = 200
SEVERITY_COLOURS = {
    Severity.CRITICAL: "#b3123b",
    Severity.HIGH: "#e4572e",
    Severity.MEDIUM: "#f0a202",
    Severity.LOW: "#3b82c4",
    Severity.UNKNOWN: "#8a8f98",
}
SEVERITIES = sorted(Severity, key=lambda s: -s.rank)

STYLE = """
:root { --ink:#1d2330; --muted:#5d6575; --line:#e3e6ec; --card:#f6f7f9; --accent:#2f5d8a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       margin: 0; background: #fff; }
header { background: #14213d; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; } header p { margin: 0; color: #c9d1e0; }
main { padding: 8px 32px 40px; max-width: 1400px; }
h2 { font-size: 18px; margin: 28px 0 10px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 16px; }
.card { background: var(--card); border-radius: 8px; padding: 10px 16px; min-width: 120px;
        border-left: 6px solid var(--line); }
.card b { display: block; font-size: 24px; } .card span { color: var(--muted); }
.charts { display: flex; flex-wrap: wrap; gap: 32px; align-items: flex-start; }
.chart { background: var(--card); border-radius: 8px; padding: 12px 16px; }
.chart h3 { margin: 0 0 8px; font-size: 14px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--card); position: sticky; top: 0; }
.mono { white-space: nowrap; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
.sev { display: inline-block; color: #fff; border-radius: 4px; padding: 0 6px; font-size: 11px; font-weight: 600; }
.layer { border: 1px solid var(--line); border-radius: 8px; margin: 10px 0; overflow: hidden; }
.layer > summary { list-style: none; cursor: pointer; padding: 8px 12px; display: grid;
                   grid-template-columns: 40px 1fr 90px 110px 220px; gap: 12px; align-items: center; }
.layer > summary::-webkit-details-marker { display: none; }
.layer[open] > summary { background: var(--card); }
.layer .body { padding: 8px 16px 12px 64px; }
.bar { height: 8px; background: var(--accent); border-radius: 4px; min-width: 2px; }
.stack { display: flex; height: 10px; border-radius: 4px; overflow: hidden; background: var(--line); }
.muted { color: var(--muted); } .empty { color: var(--muted); font-style: italic; }
.instruction { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
footer { color: var(--muted); padding: 0 32px 24px; font-size: 12px; }
"""


def render(report: ScanReport, stream: TextIO) -> None:
    stream.write(document(report))


def document(report: ScanReport) -> str:
    """The whole report as one HTML string."""
    inventory = report.inventory
    artifact = inventory.artifact
    active = [f for f in inventory.findings if f.suppression is None]
    suppressed = [f for f in inventory.findings if f.suppression is not None]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>mamoru: {_e(artifact.name)}</title><style>{STYLE}</style></head><body>",
        f"<header><h1>mamoru {_e(report.command)}: {_e(artifact.name)}</h1><p>{_e(_subtitle(report))}</p></header>",
        "<main>",
        _summary(inventory, active, suppressed),
        _charts(active),
    ]
    if artifact.image is not None and artifact.layers:
        parts.append(_layers(inventory, active))
    parts.append(_findings(active, report))
    if suppressed:
        parts.append(_suppressed(suppressed, report))
    if inventory.notes:
        notes = "".join(f"<li>{_e(str(note))}</li>" for note in inventory.notes[:MAX_TABLE_ROWS])
        parts.append(f'<section id="notes"><h2>Notes ({len(inventory.notes)})</h2><ul>{notes}</ul></section>')
    parts.append("</main>")
    created = report.created.strftime("%Y-%m-%d %H:%M UTC")
    parts.append(f"<footer>mamoru {_e(report.tool_version)} · {created} · target {_e(report.target)}</footer>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _subtitle(report: ScanReport) -> str:
    inventory = report.inventory
    facts = [str(inventory.os) if inventory.os else "OS unknown"]
    image = inventory.artifact.image
    if image is not None:
        if image.platform:
            facts.append(image.platform)
        if image.image_id:
            facts.append(image.image_id[:19])
        facts.extend(image.repo_tags[:3])
    return " · ".join(facts)


def _summary(inventory: Inventory, active: list[Finding], suppressed: list[Finding]) -> str:
    counts = Counter(f.severity for f in active)
    cards = [
        _card(str(counts[severity]), severity.value.title(), SEVERITY_COLOURS[severity]) for severity in SEVERITIES
    ]
    cards.append(_card(str(len(inventory.packages)), "Packages", "#2f5d8a"))
    if inventory.artifact.layers:
        cards.append(_card(str(len(inventory.artifact.layers)), "Layers", "#2f5d8a"))
    if suppressed:
        cards.append(_card(str(len(suppressed)), "Suppressed", "#8a8f98"))
    return f'<section id="summary"><h2>Summary</h2><div class="cards">{"".join(cards)}</div></section>'


def _card(value: str, label: str, colour: str) -> str:
    return f'<div class="card" style="border-left-color:{colour}"><b>{_e(value)}</b><span>{_e(label)}</span></div>'


def _charts(active: list[Finding]) -> str:
    by_severity = Counter(f.severity for f in active)
    by_kind = Counter(KIND_TITLES[f.kind] for f in active)
    controls: dict[str, Counter[Severity]] = defaultdict(Counter)
    for finding in active:
        for ref in finding.compliance or rule_of(finding).compliance:
            controls[str(ref)][finding.severity] += 1
    charts = [
        _chart("Findings by severity", _donut(by_severity)),
        _chart("Findings by kind", _bars([(kind, {Severity.UNKNOWN: n}) for kind, n in by_kind.most_common()], True)),
    ]
    ranked = sorted(controls.items(), key=lambda item: (-sum(item[1].values()), item[0]))[:20]
    compliance = _bars([(name, dict(counts)) for name, counts in ranked], False) if ranked else _none("no controls")
    charts.append(_chart("Compliance controls with findings (NIST SP 800-190, CIS)", compliance))
    return f'<section id="charts"><h2>Charts</h2><div class="charts">{"".join(charts)}</div></section>'


def _chart(title: str, body: str) -> str:
    return f'<div class="chart"><h3>{_e(title)}</h3>{body}</div>'


def _donut(counts: Counter[Severity]) -> str:
    """A ring of arcs, one per severity, with the total in the middle (SVG stroke-dasharray arcs)."""
    total = sum(counts.values())
    radius, width = 60, 22
    circumference = 2 * 3.141592653589793 * radius
    arcs = [f'<circle r="{radius}" cx="80" cy="80" fill="none" stroke="#e3e6ec" stroke-width="{width}"/>']
    offset = 0.0
    for severity in SEVERITIES:
        if not counts[severity]:
            continue
        length = circumference * counts[severity] / total
        arcs.append(
            f'<circle r="{radius}" cx="80" cy="80" fill="none" stroke="{SEVERITY_COLOURS[severity]}" '
            f'stroke-width="{width}" stroke-dasharray="{length:.2f} {circumference - length:.2f}" '
            f'stroke-dashoffset="{-offset:.2f}" transform="rotate(-90 80 80)"><title>{severity.value}: '
            f"{counts[severity]}</title></circle>"
        )
        offset += length
    legend = "".join(
        f'<div><span class="sev" style="background:{SEVERITY_COLOURS[s]}">{s.value}</span> {counts[s]}</div>'
        for s in SEVERITIES
    )
    svg = (
        f'<svg width="160" height="160" viewBox="0 0 160 160" role="img" aria-label="findings by severity">'
        f'{"".join(arcs)}<text x="80" y="86" text-anchor="middle" font-size="22" font-weight="700">{total}</text></svg>'
    )
    return f'<div style="display:flex;gap:16px;align-items:center">{svg}<div>{legend}</div></div>'


def _bars(rows: Sequence[tuple[str, dict[Severity, int]]], single_colour: bool) -> str:
    """Horizontal bars, stacked by severity; one row per label."""
    if not rows:
        return _none("nothing to chart")
    longest = max(sum(counts.values()) for _, counts in rows) or 1
    label_width, bar_width, row_height = 250, 260, 22
    height = row_height * len(rows) + 4
    parts = [f'<svg width="{label_width + bar_width + 50}" height="{height}" role="img">']
    for position, (label, counts) in enumerate(rows):
        y = position * row_height + 2
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end" font-size="12">{_e(label[:40])}</text>'
        )
        x = float(label_width)
        for severity in SEVERITIES:
            count = counts.get(severity, 0)
            if not count:
                continue
            width = bar_width * count / longest
            colour = "#2f5d8a" if single_colour else SEVERITY_COLOURS[severity]
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{width:.1f}" height="{row_height - 8}" fill="{colour}">'
                f"<title>{_e(label)}: {count} {severity.value if not single_colour else ''}</title></rect>"
            )
            x += width
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 14}" font-size="12">{sum(counts.values())}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _layers(inventory: Inventory, active: list[Finding]) -> str:
    """The image as its build made it: one collapsible row per layer, what it added and what it brought."""
    packages = inventory.packages_by_layer()
    findings: dict[int | None, list[Finding]] = defaultdict(list)
    for finding in active:
        findings[_layer_index(finding)].append(finding)
    largest = max((layer.size for layer in inventory.artifact.layers), default=0) or 1
    rows = []
    config_findings = findings.get(None, [])
    if config_findings:
        rows.append(_layer_row("cfg", "Image configuration (ENV, USER, labels, history)", 0, 0, [], config_findings))
    for layer in inventory.artifact.layers:
        instruction = redact_command(layer.instruction or layer.created_by or "") or layer.short_id
        rows.append(
            _layer_row(
                str(layer.index),
                instruction,
                layer.size,
                largest,
                packages.get(layer.index, []),
                findings.get(layer.index, []),
            )
        )
    header = (
        '<div class="muted" style="display:grid;grid-template-columns:40px 1fr 90px 110px 220px;gap:12px;'
        'padding:0 13px">'
        "<span>#</span><span>Instruction</span><span>Size</span><span>Packages added</span><span>Findings</span></div>"
    )
    return f'<section id="layers"><h2>Layers</h2>{header}{"".join(rows)}</section>'


def _layer_row(
    index: str, instruction: str, size: int, largest: int, packages: list[Package], findings: list[Finding]
) -> str:
    counts = Counter(f.severity for f in findings)
    stack = "".join(
        f'<div style="width:{100 * counts[s] / len(findings):.1f}%;background:{SEVERITY_COLOURS[s]}" '
        f'title="{counts[s]} {s.value}"></div>'
        for s in SEVERITIES
        if counts[s]
    )
    bar = f'<div class="bar" style="width:{100 * size / largest:.1f}%"></div>' if largest else ""
    summary = (
        f'<summary><b>{_e(index)}</b><code class="instruction" title="{_e(instruction)}">{_e(instruction)}</code>'
        f"<span>{_size(size) if largest else ''}{bar}</span><span>{len(packages)}</span>"
        f'<span><div class="stack">{stack}</div>{len(findings)} finding(s)</span></summary>'
    )
    body = []
    if findings:
        items = "".join(
            f"<li>{_badge(f.severity)} <b>{_e(f.rule_id)}</b> {_e(f.title)} "
            f'<span class="muted">{_e(_short_place(f))}</span></li>'
            for f in sorted_findings(findings)[:MAX_LAYER_ITEMS]
        )
        body.append(f"<h4>Findings</h4><ul>{items}</ul>{_more(len(findings), MAX_LAYER_ITEMS)}")
    if packages:
        names = ", ".join(
            f"{_e(p.name)} <span class='muted'>{_e(p.version)}</span>" for p in packages[:MAX_LAYER_ITEMS]
        )
        body.append(f"<h4>Packages added ({len(packages)})</h4><p>{names}</p>{_more(len(packages), MAX_LAYER_ITEMS)}")
    if not body:
        body.append('<p class="empty">No packages or findings in this layer.</p>')
    return f'<details class="layer">{summary}<div class="body">{"".join(body)}</div></details>'


def _findings(active: list[Finding], report: ScanReport) -> str:
    if not active:
        return '<section id="findings"><h2>Findings</h2><p class="empty">No findings.</p></section>'
    rows = "".join(_finding_row(f, report) for f in sorted_findings(active)[:MAX_TABLE_ROWS])
    table = (
        "<table><thead><tr><th>Severity</th><th>Rule</th><th>Finding</th><th>Where</th><th>Layer</th>"
        f"<th>Fix</th><th>Controls</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return (
        f'<section id="findings"><h2>Findings ({len(active)})</h2>{table}{_more(len(active), MAX_TABLE_ROWS)}</section>'
    )


def _finding_row(finding: Finding, report: ScanReport) -> str:
    rule = rule_of(finding)
    detail = finding.vulnerability
    what = _e(finding.title)
    if finding.message and finding.message != finding.title:
        what += f'<br><span class="muted">{_e(finding.message.removeprefix(finding.title + ": "))}</span>'
    if finding.package is not None:
        what += f'<br><span class="mono">{_e(finding.package.name)} {_e(finding.package.version)}</span>'
    fix = detail.fixed_version or detail.status.value if detail is not None else finding.remediation or rule.remediation
    index = _layer_index(finding)
    controls = ", ".join(str(ref) for ref in finding.compliance or rule.compliance)
    return (
        f"<tr><td>{_badge(finding.severity)}</td><td class='mono'>{_e(finding.rule_id)}</td><td>{what}</td>"
        f"<td class='mono'>{_e(place(finding, report.inventory.artifact))}</td>"
        f"<td>{'' if index is None else index}</td><td>{_e(fix)}</td><td class='muted'>{_e(controls)}</td></tr>"
    )


def _suppressed(suppressed: list[Finding], report: ScanReport) -> str:
    rows = "".join(
        f"<tr><td>{_badge(f.severity)}</td><td class='mono'>{_e(f.rule_id)}</td>"
        f"<td class='mono'>{_e(place(f, report.inventory.artifact))}</td>"
        f"<td>{_e(f.suppression.reason)}</td><td class='mono'>{_e(f.suppression.source)}</td>"
        f"<td>{_e(f.suppression.expires)}</td></tr>"
        for f in sorted_findings(suppressed)[:MAX_TABLE_ROWS]
        if f.suppression is not None
    )
    table = (
        "<table><thead><tr><th>Severity</th><th>Rule</th><th>Where</th><th>Reason</th><th>Source</th>"
        f"<th>Expires</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return f'<section id="suppressed"><h2>Suppressed ({len(suppressed)})</h2>{table}</section>'


def _layer_index(finding: Finding) -> int | None:
    layer = finding.location.layer if finding.location is not None else None
    if layer is None and finding.package is not None:
        layer = finding.package.layer
    return layer.index if layer is not None else None


def _short_place(finding: Finding) -> str:
    if finding.package is not None:
        return f"{finding.package.name} {finding.package.version}"
    if finding.location is not None and finding.location.path:
        return "/" + finding.location.path
    return finding.message


def _badge(severity: Severity) -> str:
    return f'<span class="sev" style="background:{SEVERITY_COLOURS[severity]}">{severity.value}</span>'


def _more(total: int, shown: int) -> str:
    return f'<p class="muted">… {total - shown} more (see --format json)</p>' if total > shown else ""


def _none(text: str) -> str:
    return f'<p class="empty">{_e(text)}</p>'


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)
