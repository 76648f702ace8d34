"""The report in the terminal (`chefwrap collector report`); GET /report is the page (chefwrap.collector.page)."""

from chefwrap.collector.threshold import OTHER


def failure_rate(row) -> str:
    return f"{100.0 * row['failures'] / row['count']:.0f}%" if row["count"] else "-"


def sections(report):
    """(title, column names, rows of text) for each part of the report, with what the threshold left out last."""
    other = report["other"]

    def left_out(key, width):
        return [(OTHER, *[""] * (width - 2), str(other[key]))] if other.get(key) else []

    commands = [(row["command"], str(row["count"]), str(row["failures"]), failure_rate(row)) for row in report["commands"]]
    yield "Most used commands", ("command", "runs", "failures", "failure rate"), commands + ([(OTHER, str(other["commands"]), "", "")] if other["commands"] else [])
    yield "Options, by command", ("command", "option", "runs"), [(row["command"], row["option"], str(row["count"])) for row in report["options"]] + left_out("options", 3)
    yield "Community cookbooks", ("cookbook", "version", "runs"), [(row["name"], row["version"], str(row["count"])) for row in report["cookbooks"]] + left_out("cookbooks", 3)
    yield "Test Kitchen plugins", ("kind", "plugin", "runs"), [(row["kind"], row["name"], str(row["count"])) for row in report["kitchen_plugins"]] + left_out("kitchen_plugins", 3)
    yield "Platforms", ("platform", "runs"), [(row["name"], str(row["count"])) for row in report["platforms"]] + left_out("platforms", 2)


def held(stored: dict, min_sessions: int) -> list:
    """What the collector holds, so that an empty report never looks like a lost one."""
    lines = [f"Stored: {stored['events']} events; {stored['window']} in the window, {stored['older']} before it"]
    if stored["today"]:
        lines[0] += f", {stored['today']} today (UTC, a day not over: in the figures from tomorrow, or now with --min-sessions 1)"
    if stored["left_out"]:
        lines.append(f"{stored['left_out']} of the window's events are of tools fewer than {min_sessions} sessions used, left out of every figure.")
    return lines


def as_text(report) -> str:
    lines = [f"{report['events']} events and {report['sessions']} session-days over the last {report['days']} days (since {report['since']})"]
    if "stored" in report:
        lines += held(report["stored"], report["min_sessions"])
    if report["min_sessions"] > 1:
        lines.append(f"Complete UTC days; a name shows when at least {report['min_sessions']} sessions used it in the window, the rest is \"{OTHER}\".")
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
