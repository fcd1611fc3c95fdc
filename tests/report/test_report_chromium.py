"""`ristra score --report-dir` rendered by a real browser.

Headless Chromium (Debian's `chromium`, installed by .ci/deps.txt) loads
the area page and a practice page, writes a screenshot and the DOM it
built, and logs its network activity. The test then checks, against the
audit CSV of the same run (never against numbers typed in here):

* every figure cell of the rendered DOM shows its CSV row's figure,
  formatted and suppressed by the rules of docs/report.md, re-implemented
  here (counts 1-7 as "≤7", others rounded to 5, a figure built on a count
  of 1 to 7 not shown) -- the area page with suppression, the practice
  page with --report-unsuppressed (exact figures);
* every group of the audit is on the area page;
* the screenshot is not blank;
* the page made no network request: the practice page is loaded without
  its Content-Security-Policy and with a probe <img> pointing at
  127.0.0.1, and the browser's net log must hold exactly the probe as a
  page request (so the check is shown to see requests);
* no page refers to anything outside itself, pages are 0600.
Two browser runs, bounded at 45 s each.
"""
import csv
import html.parser
import json
import os
import pathlib
import shutil
import stat
import struct
import subprocess
import zlib

import pytest

SOURCE = pathlib.Path(os.environ.get("RISTRA_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
CLI = os.environ.get("RISTRA_CLI", str(SOURCE / "build" / "bindings" / "cli" / "ristra"))
MODEL = SOURCE / "models" / "demo_logistic.json"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PROBE = "http://127.0.0.1:9/ristra-probe.png"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (.ci/deps.txt installs it; "
    "apt-get install chromium)")


def ristra(*args):
    proc = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    pop, out = d / "pop.csv", d / "report"
    out.mkdir()
    ristra("synth", "--patients", 6000, "--practices", 3, "--seed", 41,
           "--deprivation-effect", 1.0, "--output", pop)
    ristra("score", "--model", MODEL, "--input", pop, "--output", d / "list.csv",
           "--audit", d / "audit.csv", "--audit-by", "care_home,n_ltc",
           "--report-dir", out, "--report-unsuppressed", "--quiet")
    with open(d / "audit.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return d, out, rows


def browse(page, workdir, name):
    """Loads page in headless Chromium: (DOM text, PNG bytes, net log)."""
    shot, netlog = workdir / f"{name}.png", workdir / f"{name}.netlog.json"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-extensions", "--disable-dev-shm-usage", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-default-browser-check",
           f"--user-data-dir={workdir / (name + '.profile')}", "--window-size=1200,2400",
           f"--screenshot={shot}", f"--log-net-log={netlog}", "--dump-dom", page.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=45)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, shot.read_bytes(), json.loads(netlog.read_text())


class Cells(html.parser.HTMLParser):
    """Every <td data-measure> with its attributes and text; every
    reference a page could fetch."""

    def __init__(self):
        super().__init__()
        self.cells, self.refs, self.tags, self._cell = [], [], set(), None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        for k in ("src", "href", "xlink:href", "srcset", "data", "poster", "action"):
            if k in a:
                self.refs.append(a[k])
        if tag == "td" and "data-measure" in a:
            self._cell = [a, ""]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.cells.append((self._cell[0], " ".join(self._cell[1].split())))
            self._cell = None


def parse(text):
    p = Cells()
    p.feed(text)
    return p


def count_text(n, suppress):
    if not suppress:
        return str(n)
    return "≤7" if 1 <= n <= 7 else str((n + 2) // 5 * 5)


def small(n):
    return 1 <= n <= 7


def number(measure, pct, v):
    if pct:
        return f"{100 * v:.1f}"
    return f"{v:.3f}" if measure == "auroc" else f"{v:.1f}" if measure == "expected" else f"{v:.2f}"


def expected_cell(rows, attrs, suppress):
    """(text, suppressed) the page must show for the cell, from the CSV."""
    key = (attrs["data-grouping"], attrs["data-group"], attrs["data-tier"])
    r = rows[key + (attrs["data-measure"],)]
    m = attrs["data-measure"]
    if attrs.get("data-field") == "numerator":
        return count_text(int(r["numerator"]), suppress), False
    if r["estimate"] == "":
        return "–", False
    if m == "list_size":
        return count_text(int(float(r["estimate"])), suppress), False
    if suppress:
        size = int(float(rows[key[:2] + ("", "list_size")]["estimate"]))
        basis = {"demographic_parity_ratio": "share_selected",
                 "equal_opportunity_ratio": "sensitivity"}.get(m, m)
        if key[2] == "" and m not in ("list_size", "observed_rate"):
            basis = "observed_rate"
        b = rows[key + (basis,)] if key[2] or basis != "observed_rate" else \
            rows[key[:2] + ("", "observed_rate")]
        if small(size):
            return "*", True
        if b["denominator"] != "":
            x, n = int(b["numerator"]), int(b["denominator"])
            if small(x) or small(n - x):
                return "*", True
    pct = r["denominator"] != ""
    text = number(m, pct, float(r["estimate"])) + ("%" if pct else "")
    if r["lower"] != "" and r["upper"] != "":
        text += f" ({number(m, pct, float(r['lower']))}–{number(m, pct, float(r['upper']))})"
    return text, False


def check_cells(cells, audit_rows, suppress_of):
    rows = {(r["grouping"], r["group"], r["tier"], r["measure"]): r for r in audit_rows}
    n_suppressed = 0
    for attrs, text in cells:
        want, suppressed = expected_cell(rows, attrs, suppress_of(attrs["data-grouping"]))
        where = {k: v for k, v in attrs.items() if k.startswith("data-")}
        assert text == want, f"{where}: page shows {text!r}, the audit CSV gives {want!r}"
        assert (attrs.get("data-suppressed") == "1") == suppressed, where
        n_suppressed += suppressed
    return n_suppressed


def png_not_blank(png):
    """Decodes the PNG (8-bit RGB or RGBA, non-interlaced) and returns the
    share of pixels that are not the background colour."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat, header = 8, b"", None
    while at < len(png):
        (n,), kind = struct.unpack(">I", png[at:at + 4]), png[at + 4:at + 8]
        body = png[at + 8:at + 8 + n]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        at += 12 + n
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    prev, pixels, line = bytearray(stride), [], 0
    for y in range(height):
        f, cur = raw[line], bytearray(raw[line + 1:line + 1 + stride])
        line += 1 + stride
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                cur[i] = (cur[i] + a) & 255
            elif f == 2:
                cur[i] = (cur[i] + b) & 255
            elif f == 3:
                cur[i] = (cur[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 4 == 0:
            pixels.extend(bytes(cur[x:x + 3]) for x in range(0, stride, bpp * 4))
        prev = cur
    background = max(set(pixels), key=pixels.count)
    return sum(p != background for p in pixels) / len(pixels)


def page_requests(netlog):
    """URLs the page itself asked for (the browser's own requests carry
    the initiator "not an origin")."""
    types = {v: k for k, v in netlog["constants"]["logEventTypes"].items()}
    urls = []
    for e in netlog["events"]:
        p = e.get("params", {})
        if types.get(e["type"]) == "URL_REQUEST_START_JOB" and "url" in p:
            if p.get("initiator") != "not an origin" and not p["url"].startswith("file:"):
                urls.append(p["url"])
    return urls


def test_area_page_shows_the_audit_figures_suppressed(run):
    d, out, rows = run
    dom, png, netlog = browse(out / "index.html", d, "area")
    cells = parse(dom).cells
    assert len(cells) > 200
    n = check_cells(cells, rows, lambda grouping: True)
    assert n > 0, "the synthetic area has small groups: some figure must be suppressed"
    shown = {(a["data-grouping"], a["data-group"]) for a, _ in cells}
    assert shown == {(r["grouping"], r["group"]) for r in rows}
    assert png_not_blank(png) > 0.02
    assert page_requests(netlog) == []


def test_practice_page_shows_exact_figures_and_fetches_nothing(run):
    d, out, rows = run
    page = sorted(out.glob("practice-*.html"))[0]
    text = page.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in text
    # without the policy, with a probe: the net log sees the probe and only it
    probe = d / "practice-probe.html"
    probe.write_text(text.replace("http-equiv=\"Content-Security-Policy\"", "name=\"x-removed\"")
                     .replace("<main>", f'<main><img alt="" src="{PROBE}">', 1), encoding="utf-8")
    dom, png, netlog = browse(probe, d, "practice")
    cells = parse(dom).cells
    code = page.stem.removeprefix("practice-")
    assert {a["data-group"] for a, _ in cells if a["data-grouping"] == "practice"} == {code}
    check_cells(cells, rows, lambda grouping: grouping == "area")
    assert png_not_blank(png) > 0.02
    assert page_requests(netlog) == [PROBE]


def test_pages_are_self_contained_and_private(run):
    d, out, rows = run
    pages = sorted(out.iterdir())
    practices = sorted({r["group"] for r in rows if r["grouping"] == "practice"})
    assert [p.name for p in pages] == ["index.html"] + [f"practice-{c}.html" for c in practices]
    for page in pages:
        assert stat.S_IMODE(page.stat().st_mode) == 0o600, page
        text = page.read_text(encoding="utf-8")
        p = parse(text)
        assert not p.tags & {"script", "link", "img", "iframe", "object", "embed", "audio",
                             "video", "source", "base"}, (page, p.tags)
        assert all(r == "index.html" or (r.startswith("practice-") and r.endswith(".html")
                                         and "/" not in r and ":" not in r) for r in p.refs), \
            (page, p.refs)
        assert "url(" not in text and "@import" not in text


def test_a_missing_report_directory_writes_nothing(run, tmp_path):
    d, _, _ = run
    proc = subprocess.run([CLI, "score", "--model", MODEL, "--input", d / "pop.csv",
                           "--output", tmp_path / "list.csv", "--report-dir",
                           tmp_path / "missing", "--quiet"], capture_output=True, text=True)
    assert proc.returncode != 0 and "report_dir" in proc.stderr
    assert list(tmp_path.iterdir()) == []
