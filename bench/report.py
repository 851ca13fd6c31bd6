"""The results as a table on the terminal and as JSON."""

from __future__ import annotations

import json
import platform
from pathlib import Path

from .measure import Figure, Scenario


def number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "/s":
        return f"{value:,.0f}/s"
    if unit == "ms":
        return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:,.0f}"


def table(scenarios: list[Scenario]) -> str:
    header = ("scenario", "figure", "median", "p95", "raw SQL floor", "× floor", "target", "met")
    rows = [header]
    for scenario in scenarios:
        if scenario.skipped:
            rows.append((scenario.name, "skipped: " + scenario.skipped, "", "", "", "", "", ""))
            continue
        for figure in scenario.figures:
            rows.append(_row(scenario.name, figure))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _row(name: str, figure: Figure) -> tuple:
    ratio = figure.ratio
    return (
        name,
        figure.name,
        number(figure.median, figure.unit),
        number(figure.p95, figure.unit) if figure.p95 is not None else "",
        number(figure.floor, figure.unit) if figure.floor is not None else "",
        f"{ratio:.2f}" if ratio is not None else "",
        figure.target,
        {True: "yes", False: "NO", None: ""}[figure.met],
    )


def write_json(path: Path, scenarios: list[Scenario], meta: dict) -> None:
    document = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
        },
        **meta,
        "scenarios": [scenario.as_dict() for scenario in scenarios],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
