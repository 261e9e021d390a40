"""The run report as one self-contained HTML file: inline CSS and SVG, no script, no network.

A time line of task attempts per worker lane (retries are the later bars of a task, failed ones
red) over a time axis, with phase decisions, failures and resumes as marked lines; a cost bar
per task, and per task verified or unverified, its role, adapter, tokens and evidence (its own
checks and the gate that covered it); per phase its gate, targets, decision and checkpoint.
Several runs add a comparison of roles and adapters.
"""

from __future__ import annotations

from html import escape

from orch.domain.status import TaskStatus
from orch.reporting.run_report import AgentStats, RunReport

WIDTH = 900
ROW = 22
LEFT = 90
COLOURS: dict[str, str] = {
    TaskStatus.DONE: "#2e8b57", TaskStatus.FAILED: "#c0392b", TaskStatus.BLOCKED: "#c0392b",
    TaskStatus.RUNNING: "#999", TaskStatus.BUDGET_EXCEEDED: "#e67e22", TaskStatus.SKIPPED: "#bbb"}
DECISION_COLOURS = {"APPROVE": "#2e8b57", "CONDITIONAL": "#2980b9", "REVISE": "#e67e22",
                    "ESCALATE": "#8e44ad"}
CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#f4f4f4}
.timeline text{font-size:11px}.muted{color:#777}.evidence{font-family:monospace;font-size:12px}
.bar{display:inline-block;height:10px;background:#2980b9}
"""


def render_html(reports: list[RunReport], stats: list[AgentStats]) -> str:
    """The whole page."""
    title = f"orch report — {reports[0].run}" if len(reports) == 1 else "orch runs compared"
    body = [f"<h1>{escape(title)}</h1>"]
    for report in reports:
        body += _run_section(report)
    if len(reports) > 1 or len(stats) > 1:
        body += _comparison(stats)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"generator\" content=\"orch\">"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


def _run_section(report: RunReport) -> list[str]:
    return [
        f"<section class=\"run\" data-run=\"{escape(report.run)}\">",
        f"<h2>Run {escape(report.run)} · {escape(report.state)}</h2>",
        f"<p class=\"muted\">plan {escape(report.plan)} · started {escape(report.created)} · "
        f"{report.duration_s:.1f}s · ${report.cost_usd:.4f}</p>",
        _timeline(report),
        _task_table(report),
        _phase_table(report),
        "</section>",
    ]


def _lane_order(lane: str) -> tuple[int, str]:
    """The main tree first, then worker lanes by number (lane 10 after lane 9)."""
    return (int(lane), "") if lane.isdigit() else (-1, lane)


def _timeline(report: RunReport) -> str:
    lanes = sorted({a.lane for a in report.attempts}, key=_lane_order) or ["main"]
    tasks = [row.id for row in report.tasks]
    rows = [(lane, task) for lane in lanes for task in tasks
            if any(a.lane == lane and a.task == task for a in report.attempts)]
    span = max(report.duration_s, 0.001)
    scale = (WIDTH - LEFT - 10) / span
    top = 14 * len(report.decisions) + 8  # one label line per decision point
    bottom = top + ROW * len(rows)
    height = bottom + 24  # the time axis below the bars
    out = [f"<svg id=\"timeline\" class=\"timeline\" role=\"img\" width=\"{WIDTH}\" "
           f"height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">"]
    out += _time_axis(span, scale, bottom)
    for marker in report.markers:
        x = LEFT + marker.at * scale
        colour = "#c0392b" if marker.kind == "failure" else "#16a085"
        out.append(f"<line class=\"{marker.kind}\" x1=\"{x:.1f}\" x2=\"{x:.1f}\" y1=\"{top}\" "
                   f"y2=\"{bottom}\" stroke=\"{colour}\" stroke-width=\"2\">"
                   f"<title>{escape(marker.kind)} at {marker.at:.1f}s: {escape(marker.label)}"
                   "</title></line>")
    for index, (lane, task) in enumerate(rows):
        y = top + ROW * index
        label = lane if lane == "main" else f"lane {lane}"
        out.append(f"<text x=\"2\" y=\"{y + 12}\">{escape(label)} · {escape(task)}</text>")
        for attempt in (a for a in report.attempts if a.lane == lane and a.task == task):
            x = LEFT + attempt.start * scale
            w = max(((attempt.end or span) - attempt.start) * scale, 3)
            colour = COLOURS.get(attempt.status, "#999")
            tip = f"{task} attempt {attempt.number}: {attempt.status}"
            if attempt.error:
                tip += f" — {attempt.error}"
            out.append(f"<rect class=\"attempt\" x=\"{x:.1f}\" y=\"{y}\" width=\"{w:.1f}\" "
                       f"height=\"14\" fill=\"{colour}\"><title>{escape(tip)}</title></rect>")
    for number, point in enumerate(report.decisions):
        x = LEFT + point.at * scale
        label_y = 12 + 14 * number
        anchor = "end" if x > WIDTH / 2 else "start"
        label_x = x - 3 if anchor == "end" else x + 3
        colour = DECISION_COLOURS.get(point.decision.split(" ")[0], "#333")
        tip = f"phase {point.phase}: {point.decision} by {point.decided_by} {point.reason}"
        out.append(f"<line class=\"decision\" x1=\"{x:.1f}\" x2=\"{x:.1f}\" "
                   f"y1=\"{label_y - 10}\" y2=\"{height}\" stroke=\"{colour}\" "
                   f"stroke-dasharray=\"4 2\"><title>{escape(tip)}</title></line>"
                   f"<text x=\"{label_x:.1f}\" y=\"{label_y}\" text-anchor=\"{anchor}\" "
                   f"fill=\"{colour}\">phase {escape(point.phase)}: {escape(point.decision)}"
                   f" · {escape(point.decided_by)}</text>")
    out.append("</svg>")
    return "".join(out)


def _time_axis(span: float, scale: float, y: int) -> list[str]:
    """Ticks in seconds under the bars: about six, at a round step."""
    step = next((s for s in (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
                             3600, 7200, 14400, 43200, 86400) if span / s <= 6), 86400.0)
    out = [f"<line class=\"axis\" x1=\"{LEFT}\" x2=\"{LEFT + span * scale:.1f}\" y1=\"{y + 2}\" "
           f"y2=\"{y + 2}\" stroke=\"#999\"/>"]
    tick = 0.0
    while tick <= span + 1e-9:
        x = LEFT + tick * scale
        out.append(f"<line x1=\"{x:.1f}\" x2=\"{x:.1f}\" y1=\"{y}\" y2=\"{y + 6}\" "
                   f"stroke=\"#999\"/><text class=\"tick\" x=\"{x:.1f}\" y=\"{y + 18}\" "
                   f"text-anchor=\"middle\">{_seconds(tick)}</text>")
        tick = round(tick + step, 3)
    return out


def _seconds(value: float) -> str:
    if value >= 3600:
        return f"{value / 3600:g}h"
    if value >= 60:
        return f"{value / 60:g}m"
    return f"{value:g}s"


def _task_table(report: RunReport) -> str:
    top = max((row.cost_usd for row in report.tasks), default=0.0) or 1.0
    head = ("<table class=\"tasks\"><tr><th>Task</th><th>Status</th><th>Verified</th>"
            "<th>Attempts</th><th>Role / adapter</th><th>Cost</th><th>Tokens in/out</th>"
            "<th>Evidence</th></tr>")
    rows = []
    for row in report.tasks:
        evidence = [e for a in report.attempts if a.task == row.id for e in a.evidence]
        if row.gate:
            evidence.append(f"gate: {row.gate}")
        if row.feedback:
            evidence.append(f"decision feedback: {row.feedback}")
        verified = ("verified" if row.verified else "unverified") if row.status == "done" else "-"
        cells = [
            f"{escape(row.id)} <span class=\"muted\">{escape(row.title)}</span>",
            escape(row.status), f"<span class=\"{verified}\">{verified}</span>", str(row.attempts),
            f"{escape(row.role or '-')} / {escape(row.adapter or '-')}",
            f"<span class=\"bar\" style=\"width:{60 * row.cost_usd / top:.0f}px\"></span> "
            f"${row.cost_usd:.4f}",
            f"{row.input_tokens:,} / {row.output_tokens:,}",
            "<div class=\"evidence\">" + "<br>".join(escape(e) for e in evidence) + "</div>",
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return head + "".join(rows) + "</table>"


def _phase_table(report: RunReport) -> str:
    head = ("<table class=\"phases\"><tr><th>Phase</th><th>Gate</th><th>Targets</th>"
            "<th>Decision</th><th>Checkpoint</th></tr>")
    rows = []
    for phase in report.phases:
        gate = f"{escape(phase.gate)}: {escape(phase.gate_result)}"
        if phase.gate_commands:
            gate += " <code>" + escape("; ".join(phase.gate_commands)) + "</code>"
        targets = "<br>".join(escape(", ".join(f"{key}={value}" for key, value in t.items()))
                              for t in phase.targets) or "-"
        decision = (f"{escape(phase.decision)} by {escape(phase.decided_by or 'orch')}"
                    if phase.decision else "-")
        cells = [f"{escape(phase.id)} <span class=\"muted\">{escape(phase.title)}</span>", gate,
                 targets, decision, escape(phase.checkpoint or "none")]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return head + "".join(rows) + "</table>"


def _comparison(stats: list[AgentStats]) -> list[str]:
    rows = "".join(
        f"<tr><td>{escape(s.role)}</td><td>{escape(s.adapter)}</td><td>{s.done}/{s.tasks} "
        f"({s.success_rate:.0%})</td><td>"
        f"{'-' if s.cost_per_done is None else f'${s.cost_per_done:.4f}'}</td>"
        f"<td>{s.retries}</td><td>{s.seconds:.1f}s</td></tr>" for s in stats)
    return ["<h2>Roles and adapters compared</h2>",
            "<table id=\"compare\"><tr><th>Role</th><th>Adapter</th><th>Success</th>"
            "<th>Cost per done task</th><th>Retries</th><th>Time</th></tr>" + rows + "</table>"]
