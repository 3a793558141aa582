"""``python -m benchmarks.report RUN.json …``: the Markdown tables of saved runs.

docs/BENCHMARKS.md pastes this output under its prose.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from benchmarks.__main__ import table


def render(paths: list[str]) -> str:
    """One section per saved run: what was generated, where, when; then the table."""
    parts = []
    for path in paths:
        run = json.loads(Path(path).read_text())
        data = run["data"]
        notes = "\n".join(f"- *{r['name']}*: {r['note']}" for r in run["results"] if r["note"])
        if run.get("suite") == "clustered":
            parts.append(f"### clustered intake on {run['backend']} ({run['date']})\n\n"
                         f"{table(run)}\n\nNotes:\n{notes}\n")
            continue
        head = (f"### {run['scale']} on {run['backend']} ({run['date']})\n\n"
                f"History: {data['cases']:,} cases, {data['events']:,} events, "
                f"{data['open_cases']:,} open at the end; generated in "
                f"{data.get('generate_s', '?')} s.  Runner peak RSS {run['runner_peak_rss_mb']} MB.\n")
        parts.append(f"{head}\n{table(run)}\n\nNotes:\n{notes}\n")
        if run.get("suite") == "field":
            from benchmarks.bench_field import steps_table

            parts.append(f"Steps:\n\n{steps_table(run['server'])}\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(sys.argv[1:]))
