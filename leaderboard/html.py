"""The leaderboard as ONE self-contained HTML page: inline CSS, a small inline script that sorts a
table when its column header is clicked, and the plots embedded as ``data:`` URIs. Nothing on the page
refers to another file or URL (no CDN, no web fonts), so it opens offline and can be mailed as is.
Every piece of text is escaped with :func:`html.escape`."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Mapping, Sequence

from wizardarena.leaderboard.board import BoardRow, Leaderboard
from wizardarena.leaderboard.markdown import format_win_rate, reference_summary
from wizardarena.leaderboard.ranking import rank_rule

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
       max-width: 1100px; padding: 0 1rem; color: #1d2330; background: #fff; }
h1 { margin-bottom: .3rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #d8dde6; }
.facts span { display: inline-block; margin-right: 1.2rem; color: #4a5568; }
.facts b { color: #1d2330; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: .35rem .6rem; border-bottom: 1px solid #e6e9ef; text-align: right; }
th:nth-child(2), td:nth-child(2) { text-align: left; }
th { cursor: pointer; user-select: none; background: #f3f5f9; position: sticky; top: 0; }
th[aria-sort="ascending"]::after { content: " \\25B2"; } th[aria-sort="descending"]::after { content: " \\25BC"; }
tbody tr:nth-child(even) { background: #fafbfd; } tbody tr:hover { background: #eef3fb; }
figure { margin: 1.5rem 0; } img { max-width: 100%; height: auto; border: 1px solid #e6e9ef; }
figcaption, .notes, footer { color: #4a5568; font-size: .9rem; }
"""

_SORT_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  var headers = table.querySelectorAll("th");
  headers.forEach(function (th, column) {
    function sortRows() {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = a.cells[column].dataset.value, y = b.cells[column].dataset.value;
        var order = th.dataset.type === "number" ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    }
    th.addEventListener("click", sortRows);
    th.addEventListener("keydown", function (event) { if (event.key === "Enter") { sortRows(); } });
  });
});
"""

_CAPTIONS = {"elo.png": "Elo with 95% confidence intervals, best first.",
             "win_matrix.png": "Observed win rate of each row model against each column model (ties count half).",
             "reference.png": "Elo on this leaderboard against the reference ranking."}


def _cell(text: str, sort_value: str | float) -> str:
    return f'<td data-value="{html.escape(str(sort_value))}">{html.escape(text)}</td>'


def html_table(rows: Sequence[BoardRow], with_win_rate: bool, caption: str, with_interval: bool = True,
               baseline: str | None = None) -> str:
    """A sortable ``<table>``: rank, model, Elo, 95% CI (sorts by width; only ``with_interval``), battles
    (, win rate) (, predicted win rate vs ``baseline``)."""
    columns = [("Rank", "number", True), ("Model", "text", True), ("Elo", "number", True),
               ("95% CI", "number", with_interval), ("Battles", "number", True),
               ("Win rate", "number", with_win_rate), (f"Win rate vs {baseline}", "number", baseline is not None)]
    keep = [shown for _, _, shown in columns]
    head = "".join(f'<th scope="col" tabindex="0" data-type="{kind}">{html.escape(name)}</th>'
                   for name, kind, shown in columns if shown)
    body = []
    for row in rows:
        cells = [_cell(str(row.rank), row.rank), _cell(row.model, row.model.lower()),
                 _cell(f"{row.rating:.1f}", f"{row.rating:.3f}"),
                 _cell(row.interval, f"{row.upper - row.lower:.3f}"), _cell(f"{row.n_battles:,}", row.n_battles),
                 _cell(format_win_rate(row.win_rate), -1 if row.win_rate is None else row.win_rate),
                 _cell(row.baseline_text, -1 if row.baseline_win_rate is None else row.baseline_win_rate)]
        body.append("<tr>" + "".join(cell for cell, shown in zip(cells, keep) if shown) + "</tr>")
    return (f'<table class="sortable"><caption hidden>{html.escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body) + "\n</tbody></table>")


def _figure(name: str, data: bytes) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    caption = html.escape(_CAPTIONS.get(name, name))
    return (f'<figure><img src="data:image/png;base64,{encoded}" alt="{caption}">'
            f"<figcaption>{caption}</figcaption></figure>")


def render_html(board: Leaderboard, plots: Mapping[str, bytes] | None = None) -> str:
    """The page as a string. ``plots`` maps PNG names to bytes (default: :func:`render_plots` of the
    board, which needs matplotlib); pass ``{}`` for a page without plots."""
    if plots is None:
        from wizardarena.leaderboard.plots import render_plots

        plots = render_plots(board)
    title = html.escape(board.info.title)
    facts = "".join(f"<span><b>{html.escape(label)}:</b> {html.escape(value)}</span>"
                    for label, value in board.info.facts())
    parts = [f"<header><h1>{title}</h1>", f'<p class="facts">{facts}</p>' if facts else ""]
    if board.reference is not None:
        parts.append(f"<p>{reference_summary(board.reference, html.escape)}</p>")
    options = {"with_interval": board.has_intervals, "baseline": board.baseline}
    parts += ["</header><main>", '<section id="overall"><h2>Ratings</h2>',
              html_table(board.rows, board.has_win_rates, "Overall ratings", **options),
              f'<p class="notes">{html.escape(rank_rule(board.has_intervals))}</p>', "</section>"]
    if board.notes:
        items = "".join(f"<li>{html.escape(note)}</li>" for note in board.notes)
        parts.append(f'<ul class="notes">{items}</ul>')
    if plots:
        parts += ['<section id="plots"><h2>Plots</h2>', *(_figure(n, d) for n, d in plots.items()), "</section>"]
    if board.categories:
        parts.append('<section id="categories"><h2>By category</h2>')
        if board.category_method:
            parts.append(f'<p class="notes">{html.escape(board.category_method)}</p>')
        for name, rows in board.categories.items():
            parts += [f"<h3>{html.escape(name)}</h3>",
                      html_table(rows, board.has_win_rates, f"Category {name}", **options)]
        parts.append("</section>")
    parts.append("<footer><p>Click a column header to sort.</p></footer></main>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title><style>{_STYLE}</style></head>\n<body>\n" + "\n".join(parts)
            + f"\n<script>{_SORT_SCRIPT}</script>\n</body></html>\n")


def write_html(board: Leaderboard, path: str | Path, plots: Mapping[str, bytes] | None = None) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(board, plots), encoding="utf-8")
    return path
