"""``leaderboard render``: Markdown, PNG plots and one self-contained HTML page from seeded simulated battles
among real Chatbot Arena model names (so the scatter against lmsys-2024-03-29 has points), the HTML
rendered in headless Chromium."""

import json
import re
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from wizardarena.agreement import load_ranking
from wizardarena.cli.main import _register, cli
from wizardarena.leaderboard import PLOT_SIZES, Leaderboard, render_html, render_markdown
from wizardarena.ratings import RatingConfig, compute_ratings
from wizardarena.ratings.table import battles_from_records
from wizardarena.tables import write_records

REFERENCE = "lmsys-2024-03-29"
CHROMIUM = Path("/usr/bin/chromium")
N_MODELS = 8
CATEGORIES = ("coding", "writing")


@pytest.fixture(scope="module")
def arena(tmp_path_factory) -> dict:
    """Battles drawn from the top models of the human arena (Bradley-Terry on their Elo, seeded), the
    ratings computed from them, and a run.json beside the ratings."""
    folder = tmp_path_factory.mktemp("arena")
    truth = load_ranking(REFERENCE)
    order = np.argsort(-truth.score, kind="stable")[:N_MODELS]
    models, elo = [truth.models[k] for k in order], truth.score[order]
    rng = np.random.default_rng(2024)
    n_battles = 2400
    a = rng.integers(0, N_MODELS, n_battles)
    b = (a + rng.integers(1, N_MODELS, n_battles)) % N_MODELS
    p_a = 1.0 / (1.0 + 10.0 ** ((elo[b] - elo[a]) / 400.0))
    winner = np.where(rng.random(n_battles) < 0.1, "tie", np.where(rng.random(n_battles) < p_a, "model_a", "model_b"))
    battles = [{"model_a": models[i], "model_b": models[j], "winner": str(w), "prompt_id": f"p{k % 200:03d}",
                "category": CATEGORIES[k % 2]} for k, (i, j, w) in enumerate(zip(a, b, winner))]
    ratings = compute_ratings(battles_from_records(battles), RatingConfig(bootstrap=30, seed=0)).records()
    write_records(folder / "battles.jsonl", battles)
    write_records(folder / "ratings.jsonl", ratings)
    run = {"judge": "llama-3-70b-instruct", "testset": "wizardarena-mix", "date": "2026-11-24", "seed": 0}
    (folder / "run.json").write_text(json.dumps(run))
    return {"folder": folder, "ratings": folder / "ratings.jsonl", "battles": folder / "battles.jsonl",
            "models": models}


_register()


def render(*args) -> Result:
    return CliRunner().invoke(cli, ["leaderboard", *map(str, args)])


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the PNG signature and IHDR chunk."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_markdown_has_every_model_and_the_run_header(arena):
    result = render(arena["ratings"], "--battles", arena["battles"], "--judge", "my-judge")
    assert result.exit_code == 0, result.output
    text = result.stdout
    for model in arena["models"]:
        assert re.search(rf"^\| \d+ \| {re.escape(model)} \| [\d.]+ \| \+[\d.]+ / -[\d.]+ \| [\d,]+ \| [\d.]+% \|$",
                         text, re.MULTILINE), model
    assert "**Judge:** my-judge" in text  # the option beats run.json
    assert "**Test set:** wizardarena-mix" in text and "**Date:** 2026-11-24" in text
    assert "| Rank | Model | Elo | 95% CI | Battles | Win rate |" in text
    assert all(f"### {category}" in text for category in CATEGORIES)


def test_png_plots_have_the_documented_pixel_sizes(arena, tmp_path):
    image = pytest.importorskip("matplotlib.image")
    result = render(arena["ratings"], "--battles", arena["battles"], "--reference", REFERENCE,
                    "--format", "png", "--out", tmp_path / "plots")
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert written == sorted(PLOT_SIZES)
    for name, size in PLOT_SIZES.items():
        path = tmp_path / "plots" / name
        assert png_size(path) == size
        pixels = image.imread(path)
        assert pixels.shape[:2] == (size[1], size[0]) and pixels.std() > 0.01, name
    again = render(arena["ratings"], "--battles", arena["battles"], "--format", "png", "--out", tmp_path / "again")
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == ["elo.png", "win_matrix.png"]
    assert (tmp_path / "again" / "elo.png").read_bytes() == (tmp_path / "plots" / "elo.png").read_bytes()
    assert again.exit_code == 0


def test_reference_comparison_uses_the_shared_models(arena):
    board = Leaderboard.load(arena["ratings"], reference=REFERENCE)
    assert set(board.reference.models) == set(arena["models"])
    assert board.reference.spearman > 0.5
    assert f"Against {REFERENCE} over {N_MODELS} shared models: Spearman" in render_markdown(board)


def test_reference_plot_is_rank_against_rank_with_the_diagonal_and_labels_that_do_not_overlap():
    """Every model of the reference, its Elo shuffled a little (seeded): crowded points, so labels must give way."""
    pytest.importorskip("matplotlib")
    from scipy.stats import rankdata

    from wizardarena.leaderboard.plots import reference_figure, reference_png

    truth = load_ranking(REFERENCE)
    noisy = truth.score + np.random.default_rng(5).normal(0.0, 40.0, len(truth.models))
    records = [{"model": m, "rating": float(r), "lower": float(r) - 10, "upper": float(r) + 10, "n_battles": 100}
               for m, r in zip(truth.models, noisy)]
    board = Leaderboard.from_records(records, reference=REFERENCE)
    count = len(board.reference.models)
    assert count == len(truth.models) > 50
    axes = reference_figure(board).axes[0]
    (diagonal,) = [line for line in axes.get_lines() if line.get_label() == "y = x"]
    assert list(diagonal.get_xdata()) == list(diagonal.get_ydata()) == [0.5, count + 0.5]
    assert axes.get_xlim() == axes.get_ylim() == (count + 0.5, 0.5)  # same scale, best at the top right
    points = axes.collections[0].get_offsets()
    here, there = rankdata(-board.reference.candidate), rankdata(-board.reference.reference)
    assert np.array_equal(points, np.column_stack([there, here]))
    renderer = axes.figure.canvas.get_renderer()
    boxes = [text.get_window_extent(renderer) for text in axes.texts]
    assert 10 < len(boxes) <= count
    assert not any(a.overlaps(b) for k, a in enumerate(boxes) for b in boxes[k + 1:])
    frame = axes.get_window_extent(renderer)
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes)
    worst = int(np.argmax(np.abs(here - there)))  # the largest disagreement is labelled first
    assert board.reference.models[worst] in {text.get_text() for text in axes.texts}
    assert reference_png(board) == reference_png(board)


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}"]
    return subprocess.run([str(CHROMIUM), *flags, *args], capture_output=True, text=True, timeout=90)


def test_html_is_self_contained_and_renders_in_chromium(arena, tmp_path):
    image = pytest.importorskip("matplotlib.image")
    page = tmp_path / "board.html"
    result = render(arena["ratings"], "--battles", arena["battles"], "--reference", REFERENCE,
                    "--format", "html", "--out", page, "--title", "Mix <leaderboard>")
    assert result.exit_code == 0, result.output
    text = page.read_text(encoding="utf-8")
    links = re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']*)""", text)
    assert links and all(link.startswith("data:image/png;base64,") for link in links)
    assert "http" not in "".join(links) and "://" not in text.replace("file://", "")
    assert "<title>Mix &lt;leaderboard&gt;</title>" in text
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium): the page was not rendered")
    shot = tmp_path / "shot.png"
    chromium(f"--screenshot={shot}", "--window-size=1200,900", page.as_uri(), profile=tmp_path / "profile")
    assert shot.is_file() and png_size(shot) == (1200, 900)
    assert image.imread(shot).std() > 0.02  # not a blank page
    dom = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile").stdout
    overall = dom[dom.index('<section id="overall">'):dom.index("</section>")]
    assert overall.count("<tr>") == N_MODELS + 1
    assert all(f">{model}</td>" in overall for model in arena["models"])
    assert '<section id="categories">' in dom and dom.count("<img ") == 3


def test_clicking_a_header_sorts_the_table(arena, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)")
    board = Leaderboard.load(arena["ratings"])
    click_elo = "<script>document.querySelectorAll('th')[2].click();</script>\n</body>"
    page = tmp_path / "sorted.html"
    page.write_text(render_html(board, plots={}).replace("</body>", click_elo), encoding="utf-8")
    dom = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile").stdout
    first_row = dom[dom.index("<tbody>"):].split("</tr>")[0]
    assert f">{board.rows[-1].model}</td>" in first_row  # ascending Elo: the lowest rated first
    assert 'aria-sort="ascending"' in dom


def test_text_is_escaped_and_category_rows_come_from_the_ratings_file(tmp_path):
    rows = [{"model": "<script>alert(1)</script>|x", "rating": 1010.0, "lower": 1000.0, "upper": 1020.0,
             "n_battles": 5, "category": None},
            {"model": "plain", "rating": 990.0, "lower": 980.0, "upper": 1000.0, "n_battles": 5, "category": None},
            {"model": "plain", "rating": 995.0, "lower": 985.0, "upper": 1005.0, "n_battles": 3,
             "category": "code & math"}]
    write_records(tmp_path / "ratings.parquet", rows)
    board = Leaderboard.load(tmp_path / "ratings.parquet", judge="<j>")
    assert [row.rank for row in board.rows] == [1, 1] and list(board.categories) == ["code & math"]
    page = render_html(board, plots={})
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;|x" in page
    assert "<h3>code &amp; math</h3>" in page and "&lt;j&gt;" in page
    assert "\\<script\\>" not in render_markdown(board) and "&lt;script&gt;alert(1)&lt;/script&gt;\\|x" in \
        render_markdown(board)


@pytest.mark.parametrize("args, message", [
    (["--format", "pdf"], "'pdf' is not one of"),
    (["--format", "html"], "needs --out"),
])
def test_bad_options_exit_2_with_one_line(arena, args, message):
    result = render(arena["ratings"], *args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr and not result.stdout


def test_missing_or_bad_ratings_file_exits_2_with_one_line(tmp_path):
    result = render(tmp_path / "nope.jsonl")
    assert result.exit_code == 2 and result.stderr == f"error: {tmp_path / 'nope.jsonl'}: no such file\n"
    (tmp_path / "bad.jsonl").write_text('{"model": "x", "rating": 1}\n')
    result = render(tmp_path / "bad.jsonl")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "missing column(s) lower" in result.stderr


def test_importing_the_package_does_not_load_matplotlib(tmp_path):
    code = ("import sys, wizardarena.leaderboard; "
            "sys.exit(any(name.split('.')[0] == 'matplotlib' for name in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], cwd=tmp_path, timeout=60).returncode == 0

