"""Browser test of the built HTML book (run by ``make browser``, after the book build).

Opens every chapter page (intro + chapters, i.e. one page per ``book/*.ipynb`` but the Explorers page,
which has its own test) of the built book
in headless Chromium (Debian ``chromium`` + ``chromium-driver``; Selenium never downloads a driver
or a browser) served from a localhost ``http.server`` thread, and checks for each page:

* it loads, and its scripts and stylesheets are local (nothing from a CDN: the book works offline);
* no SEVERE console message (JavaScript errors, failed resources);
* every ``<img>`` decoded (``naturalWidth > 0``);
* math is typeset by the local MathJax (``mjx-container`` elements, no raw ``$$``/``\\(`` left);
* at least one static slider (``div.gk-slider``), and every slider responds: the arrow key and a
  scripted ``input`` event change the displayed frame (``img.src``) and the value label;
* on every page of the book (the chapters, the Markdown pages, the API reference), every image's type is
  legible as displayed in a 1280-px window: the house style records each PNG's smallest font size in
  its own pixels (:data:`gklib.viz.style.FONT_KEY`), and that size × displayed width ÷ natural width
  must be at least :data:`gklib.viz.style.MIN_DISPLAY_PX` (9 px), for every frame of every slider too.

The built book is ``$GKLIB_BOOK_HTML`` (default ``_build/html``). Screenshots go to a temporary
folder (printed with ``-s``), never into the repository. This folder is not collected by
``pytest tests``.
"""
from __future__ import annotations

import base64
import functools
import http.server
import os
import re
import tempfile
import threading
import urllib.parse
from pathlib import Path

import pytest

import chromium

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("GKLIB_BOOK_HTML", ROOT / "_build" / "html")).resolve()
EXPLORERS_PAGE = "explorers"          # every live explorer, for JupyterLab: no static slider of its own
PAGES = sorted(p.stem for p in (ROOT / "book").glob("*.ipynb") if p.stem != EXPLORERS_PAGE)
# Executed pages that are not lessons with a figure to scrub through: the derivation page (one check
# figure) and the how-to recipes. Every other notebook page must have a static slider.
NO_SLIDER = {"04a_dmft_derivation", "howto"}
ALL_PAGES = sorted(str(p.relative_to(ROOT / "book").with_suffix("")) for ext in ("ipynb", "md")
                   for p in (ROOT / "book").rglob(f"*.{ext}") if "_build" not in p.parts and "_ext" not in p.parts)
TIMEOUT = 60


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):          # keep pytest output clean
        pass

    def do_GET(self):
        if self.path == "/favicon.ico" and not (HTML / "favicon.ico").exists():
            self.send_response(204)        # browsers ask for it; the book has none
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture(scope="module")
def base_url():
    if not (HTML / "index.html").exists():
        pytest.fail(f"no built book at {HTML} (build it first, or set GKLIB_BOOK_HTML)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(HTML)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def driver():
    if not chromium.available():
        pytest.fail(f"{chromium.CHROMIUM} or {chromium.CHROMEDRIVER} missing: `make chromium` says how to install "
                    "the Debian packages chromium, chromium-driver")
    yield from chromium.session("1280,1600", TIMEOUT)


@pytest.fixture(scope="module")
def shots():
    d = tempfile.mkdtemp(prefix="gk-screenshots-")
    print(f"\nscreenshots in {d}")
    return Path(d)


def _wait(drv, cond, what):
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(drv, TIMEOUT).until(lambda d: cond(d))
    except Exception as err:  # TimeoutException
        raise AssertionError(f"timed out waiting for {what}") from err


MATHJAX_DONE = """
const done = arguments[arguments.length - 1];
if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) { done("no MathJax"); return; }
MathJax.startup.promise.then(() => done("ok"), (e) => done("error: " + e));
"""

RAW_MATH = """
const bad = [];
for (const el of document.querySelectorAll('.math')) {
  if (el.querySelector('mjx-container')) continue;
  bad.push(el.textContent.slice(0, 80));
}
const clone = document.body.cloneNode(true);
clone.querySelectorAll('pre, code, script, style, textarea, .highlight').forEach(e => e.remove());
if (clone.textContent.includes('$$')) bad.push('raw $$ in the text');
return bad;
"""

BROKEN_IMAGES = """
return Array.from(document.images)
  .filter(im => !(im.complete && im.naturalWidth > 0))
  .map(im => (im.currentSrc || im.src).slice(0, 100));
"""

EXTERNAL = """
const here = location.origin;
const urls = [...Array.from(document.scripts).map(s => s.src),
              ...Array.from(document.querySelectorAll('link[rel=stylesheet]')).map(l => l.href)];
return urls.filter(u => u && !u.startsWith(here) && !u.startsWith('data:'));
"""

SLIDER_STATE = """
const root = arguments[0];
return [root.querySelector('img.gk-slider-img').src, root.querySelector('output.gk-slider-value').textContent,
        root.querySelector('input.gk-slider-input').value, root.getAttribute('data-gk-index')];
"""

SET_LAST = """
const inp = arguments[0].querySelector('input.gk-slider-input');
inp.value = inp.max;
inp.dispatchEvent(new Event('input', {bubbles: true}));
"""


@pytest.mark.parametrize("page", PAGES)
def test_chapter_page(page, driver, base_url, shots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get_log("browser")                                  # drop messages of earlier pages
    driver.get(f"{base_url}book/{page}.html")
    _wait(driver, lambda d: d.execute_script("return document.readyState") == "complete", "page load")
    assert "404" not in driver.title, f"{page}: {driver.title}"
    assert driver.find_elements(By.CSS_SELECTOR, "main h1, article h1"), f"{page}: no heading"

    ext = driver.execute_script(EXTERNAL)
    assert not ext, f"{page}: resources from outside the book (fails offline): {ext}"
    mj = [s for s in driver.execute_script("return Array.from(document.scripts).map(s => s.src)") if "mathjax" in s.lower()]
    assert mj and all(s.startswith(base_url) for s in mj), f"{page}: MathJax not served locally: {mj}"

    assert driver.execute_async_script(MATHJAX_DONE) == "ok", f"{page}: MathJax did not finish"
    n_math = driver.execute_script("return document.querySelectorAll('mjx-container').length")
    assert n_math > 0, f"{page}: no typeset math"
    raw = driver.execute_script(RAW_MATH)
    assert not raw, f"{page}: untypeset math: {raw[:5]}"

    for im in driver.find_elements(By.TAG_NAME, "img"):       # lazy images load once in view
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", im)
    _wait(driver, lambda d: not d.execute_script(BROKEN_IMAGES), "images to decode")

    sliders = driver.find_elements(By.CSS_SELECTOR, "div.gk-slider[data-gk-slider]")
    assert sliders or page in NO_SLIDER, f"{page}: no static slider (div.gk-slider)"
    for k, root in enumerate(sliders):
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", root)
        n = int(root.get_attribute("data-gk-frames"))
        assert n >= 2, f"{page}: slider {k} has {n} frame(s)"
        src0, lab0, val0, idx0 = driver.execute_script(SLIDER_STATE, root)
        assert src0.startswith("data:image/png;base64,") and val0 == idx0
        inp = root.find_element(By.CSS_SELECTOR, "input.gk-slider-input")
        key = Keys.ARROW_RIGHT if int(val0) < n - 1 else Keys.ARROW_LEFT
        inp.send_keys(key)                                       # keyboard: one step
        src1, lab1, val1, idx1 = driver.execute_script(SLIDER_STATE, root)
        assert val1 != val0, f"{page}: slider {k}: the arrow key did not move it"
        assert src1 != src0, f"{page}: slider {k}: the image did not change ({val0} -> {val1})"
        assert lab1 != lab0, f"{page}: slider {k}: the value label did not change"
        assert idx1 == val1
        driver.execute_script(SET_LAST, root)                    # scripted: jump to the last frame
        src2, lab2, val2, _ = driver.execute_script(SLIDER_STATE, root)
        assert int(val2) == n - 1
        if int(val1) != n - 1:
            assert src2 != src1 and lab2 != lab1, f"{page}: slider {k}: input event did not redraw"
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", root)
        root.screenshot(str(shots / f"{page}-slider{k}.png"))

    driver.save_screenshot(str(shots / f"{page}.png"))
    severe = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert not severe, f"{page}: console errors: {[e['message'][:200] for e in severe]}"


FIGURE_SCALES = """
const out = [];
for (const im of document.querySelectorAll('.cell_output img, .output img')) {
  if (im.closest('.gk-slider')) continue;               // slider frames: checked by their own test
  // the intended CSS width: Sphinx writes a hi-dpi (retina) PNG's width as a style, else the pixel width
  const natural = parseFloat(im.style.width) || parseFloat(im.getAttribute('width')) || im.naturalWidth;
  const shown = im.getBoundingClientRect().width;
  if (natural > 0 && shown > 0) out.push([shown / natural, natural, (im.currentSrc || im.src).slice(0, 60)]);
}
return out;
"""

IMAGES_SHOWN = """
return Array.from(document.querySelectorAll('main img, article img')).map(im => {
  const slider = im.closest('.gk-slider');
  return [im.currentSrc || im.src, im.naturalWidth, im.getBoundingClientRect().width,
          slider ? slider.innerHTML : null];
});
"""

_PNG_B64 = re.compile(r"iVBORw0KGgo[A-Za-z0-9+/=]+")


def _png_bytes(src: str, base_url: str) -> bytes:
    """The bytes of an image of the built book: a data: URI, or a file under the book's folder."""
    if src.startswith("data:"):
        return base64.b64decode(src.split(",", 1)[1])
    path = urllib.parse.unquote(urllib.parse.urlparse(src).path).lstrip("/")
    return (HTML / path).read_bytes()


def _legibility_faults(images, base_url):
    """For every image (src, natural px width, displayed CSS width, slider HTML or None), the images whose
    smallest recorded font, as displayed, is under MIN_DISPLAY_PX, or that record none."""
    from gklib.viz.style import FONT_KEY, MIN_DISPLAY_PX, png_text

    faults, seen = [], 0
    for src, natural, shown, slider in images:
        if not natural or not shown:
            faults.append(("not displayed", src[:60]))
            continue
        pngs = [_png_bytes(src, base_url)]
        if slider:                                              # every frame of the slider, not only the shown one
            pngs += [base64.b64decode(m) for m in _PNG_B64.findall(slider)]
        for png in pngs:
            seen += 1
            meta = png_text(png)
            if FONT_KEY not in meta:
                faults.append(("no font-size record (not drawn in the house style?)", src[:60]))
                break
            px = float(meta[FONT_KEY]) * shown / natural
            if px < MIN_DISPLAY_PX:
                faults.append((f"{px:.1f} px", meta.get("gklib:min-font-text", ""), src.rsplit("/", 1)[-1][:40]))
                break
    return faults, seen


@pytest.mark.parametrize("page", ALL_PAGES)
def test_type_legible_as_displayed(page, driver, base_url):
    """At a 1280-px window, the smallest text of every image on the page (every slider frame included) is
    at least 9 px on screen: recorded font size in natural pixels × displayed width ÷ natural width."""
    if not (HTML / "book" / f"{page}.html").exists():
        pytest.skip(f"{page} is not in this build")
    driver.get(f"{base_url}book/{page}.html")
    _wait(driver, lambda d: d.execute_script("return document.readyState") == "complete", "page load")
    for im in driver.find_elements("css selector", "main img, article img"):   # lazy images load in view
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", im)
    _wait(driver, lambda d: not d.execute_script(BROKEN_IMAGES), "images to decode")
    faults, seen = _legibility_faults(driver.execute_script(IMAGES_SHOWN), base_url)
    assert not faults, f"{page}: type under 9 px as displayed at 1280 px ({seen} images checked): {faults}"


SOLUTION_LINKS = """
return Array.from(document.querySelectorAll('.solution .admonition-title a, .solution-title a, div.solution p.admonition-title a'))
  .map(a => a.getAttribute('href'));
"""

PAGE_BUDGET_MB = float(os.environ.get("GKLIB_PAGE_BUDGET_MB", "2.5"))


@pytest.mark.parametrize("page", PAGES)
def test_reading_experience(page, driver, base_url):
    """At a 1400-px window every figure shows at >= 80 % of its natural width (the theme does not shrink
    it), the page stays under its size budget, solution links to their exercise work without a console
    error, and a page built at a profile other than ``book`` says so in a banner."""
    from selenium.webdriver.common.by import By

    size_mb = (HTML / "book" / f"{page}.html").stat().st_size / 2**20
    assert size_mb <= PAGE_BUDGET_MB, f"{page}: {size_mb:.2f} MB > {PAGE_BUDGET_MB} MB"
    driver.set_window_size(1400, 1600)
    try:
        driver.get_log("browser")
        driver.get(f"{base_url}book/{page}.html")
        _wait(driver, lambda d: d.execute_script("return document.readyState") == "complete", "page load")
        for im in driver.find_elements(By.CSS_SELECTOR, ".cell_output img"):
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", im)
        _wait(driver, lambda d: not d.execute_script(BROKEN_IMAGES), "images to decode")
        small = [(round(r, 2), n, src) for r, n, src in driver.execute_script(FIGURE_SCALES) if r < 0.8]
        assert not small, f"{page}: figures shrunk below 80 % of their width (ratio, px, src): {small}"
        for href in driver.execute_script(SOLUTION_LINKS):
            if not href or href.startswith("http"):
                continue
            driver.execute_script("arguments[0].click()",
                                  driver.find_element(By.CSS_SELECTOR, f'.solution a[href="{href}"]'))
        profile = os.environ.get("GKLIB_BOOK_PROFILE", "quick")
        banners = driver.find_elements(By.CSS_SELECTOR, ".gk-profile-banner")
        assert bool(banners) == (profile != "book"), f"{page}: banner shown: {bool(banners)}, profile {profile}"
        severe = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        assert not severe, f"{page}: console errors: {[e['message'][:200] for e in severe]}"
    finally:
        driver.set_window_size(1280, 1600)


def test_scorecard_page(driver, base_url):
    """The reproduction scorecard renders from this build's records: a row per result, each with exactly
    one status (a paper claim that fails is a status, "not reproduced", not a build error), a count of
    statuses that adds up, no horizontal scrolling at 1280 px, and every link to a chapter resolves."""
    from collections import Counter

    from selenium.webdriver.common.by import By

    driver.get_log("browser")
    driver.get(f"{base_url}book/scorecard.html")
    _wait(driver, lambda d: d.execute_script("return document.readyState") == "complete", "page load")
    rows = driver.find_elements(By.CSS_SELECTOR, "table.gk-scorecard tbody tr")
    assert len(rows) >= 30, len(rows)
    status = [r.find_elements(By.CSS_SELECTOR, ".gk-status") for r in rows]
    assert all(len(s) == 1 for s in status), "a row without a status"
    counts = Counter(s[0].text for s in status)
    assert set(counts) <= {"reproduced", "partly", "not reproduced", "inconclusive", "not treated"}, counts
    summary = driver.find_element(By.CSS_SELECTOR, "p.gk-summary").text
    assert summary.startswith(f"{len(rows)} results of the paper"), summary
    for s, n in counts.items():
        assert f"{n} {s}" in summary, (s, n, summary)
    table = driver.find_element(By.CSS_SELECTOR, "table.gk-scorecard")
    assert driver.execute_script("const c = arguments[0].parentElement, e = document.documentElement;"
                                 "return c.scrollWidth <= c.clientWidth && e.scrollWidth <= e.clientWidth",
                                 table), "the scorecard scrolls sideways"
    for a in driver.find_elements(By.CSS_SELECTOR, "table.gk-scorecard a.reference.internal"):
        target = a.get_attribute("href").split("#")[0].replace(base_url, "")
        assert (HTML / target).is_file(), target
    assert "records of this build" in driver.find_element(By.TAG_NAME, "main").text
    severe = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert not severe, severe


def test_explorers_page(driver, base_url):
    """The Explorers page: in the book, one placeholder per chapter's live explorer (they need a
    kernel), each under a heading linking to its chapter; no console error."""
    from selenium.webdriver.common.by import By

    driver.get_log("browser")
    driver.get(f"{base_url}book/{EXPLORERS_PAGE}.html")
    _wait(driver, lambda d: d.execute_script("return document.readyState") == "complete", "page load")
    boxes = driver.find_elements(By.CSS_SELECTOR, ".gk-explorer-placeholder")
    assert len(boxes) == 5, len(boxes)
    links = {a.get_attribute("href").split("#")[0].replace(base_url, "")
             for a in driver.find_elements(By.CSS_SELECTOR, "main a.reference.internal")}
    for page in PAGES:
        if re.match(r"\d\d_", page):                        # a chapter (its sections: 03a_, 04a_ have no explorer)
            assert f"book/{page}.html" in links, (page, links)
    severe = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert not severe, severe


def test_legibility_check_itself():
    """The check of test_type_legible_as_displayed, on made-up images (no browser): small type and a PNG
    without the house style's record fail, legible type passes, and the displayed scale counts."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gklib.viz.style import figure_png

    def uri(png):
        return "data:image/png;base64," + base64.b64encode(png).decode()

    fig, ax = plt.subplots(figsize=(4, 2))
    ax.set_title("tiny", fontsize=6)                             # 6 pt at 100 dpi: 8.3 px
    small = figure_png(fig, 100)
    ax.set_title("fine", fontsize=12)
    ax.tick_params(labelsize=12)
    good = figure_png(fig, 100)
    raw = io.BytesIO()
    fig.savefig(raw, format="png", dpi=100)
    plt.close(fig)
    assert not _legibility_faults([(uri(good), 400, 400, None)], "")[0]
    assert _legibility_faults([(uri(good), 400, 200, None)], "")[0]          # shown at half size: 8.3 px
    assert _legibility_faults([(uri(small), 400, 400, None)], "")[0][0][0].endswith("px")
    assert "no font-size record" in _legibility_faults([(uri(raw.getvalue()), 400, 400, None)], "")[0][0][0]
    slider = f'<img src="{uri(good)}"><script>["{base64.b64encode(small).decode()}"]</script>'
    assert _legibility_faults([(uri(good), 400, 400, slider)], "")[0]        # a small hidden frame fails too
