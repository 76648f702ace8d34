"""The report for people: a page for the browser, a table for the terminal."""

from html import escape

from chefwrap.collector import headers
from chefwrap.collector.threshold import OTHER

STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin-bottom:2em}"
    "th,td{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}th{background:#f4f4f4}"
)
CONTENT_SECURITY_POLICY = headers.policy(styles=[STYLE])


def failure_rate(row) -> str:
    return f"{100.0 * row['failures'] / row['count']:.0f}%" if row["count"] else "-"


def sections(report):
    """(title, column names, rows of text) for each part of the report; last, what the threshold left unnamed."""
    other = report.get("other", {})

    def unnamed(key, width):
        return [(OTHER, *[""] * (width - 2), str(other[key]))] if other.get(key) else []

    yield "Most used commands", ("command", "runs", "failures", "failure rate"), [
        (row["command"], str(row["count"]), str(row["failures"]), failure_rate(row)) for row in report["commands"]
    ] + ([(OTHER, str(other["commands"]), "", "")] if other.get("commands") else [])
    yield "Most used options", ("tool", "option", "uses"), [(row["product"], row["option"], str(row["count"])) for row in report["options"]] + unnamed("options", 3)
    yield "Most used community cookbooks", ("cookbook", "version", "runs"), [
        (row["name"], row["version"], str(row["count"])) for row in report.get("cookbooks", [])
    ] + unnamed("cookbooks", 3)
    yield "Test Kitchen plugins", ("kind", "plugin", "runs"), [
        (row["kind"], row["name"], str(row["count"])) for row in report.get("kitchen_plugins", [])
    ] + unnamed("kitchen_plugins", 3)
    yield "Platforms", ("platform", "runs"), [(row["name"], str(row["count"])) for row in report.get("platforms", [])] + unnamed("platforms", 2)
    yield "Tool versions", ("tool", "version", "runs"), [
        (row["name"], row["version"], str(row["count"])) for row in report.get("tool_versions", [])
    ] + unnamed("tool_versions", 3)


def heading(report) -> str:
    return f"{report['events']} events in {report['sessions']} sessions over the last {report['days']} days (since {report['since']})"


def threshold_note(report) -> str:
    if report.get("min_sessions", 1) <= 1:
        return ""
    return f"Complete UTC days; a name counts only on the days when at least {report['min_sessions']} sessions used it, the rest is \"{OTHER}\"."


def as_text(report) -> str:
    lines = [heading(report), *([threshold_note(report)] if threshold_note(report) else [])]
    for title, columns, rows in sections(report):
        lines += ["", title]
        if not rows:
            lines.append("  (none)")
            continue
        widths = [max(len(column), *(len(row[i]) for row in rows)) for i, column in enumerate(columns)]
        lines.append("  " + "  ".join(column.ljust(width) for column, width in zip(columns, widths)).rstrip())
        for row in rows:
            lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return "\n".join(lines)


def as_html(report) -> str:
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>chefwrap collector report</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>How knife, kitchen and chef are used</h1>",
        f"<p>{escape(heading(report))}</p>",
        f"<p>{escape(threshold_note(report))}</p>" if threshold_note(report) else "",
    ]
    for title, columns, rows in sections(report):
        parts.append(f"<h2>{escape(title)}</h2>")
        if not rows:
            parts.append("<p>None yet.</p>")
            continue
        parts.append("<table><tr>" + "".join(f"<th>{escape(c)}</th>" for c in columns) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows]
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
