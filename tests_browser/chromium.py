"""Headless Chromium for the browser tests: Debian's ``chromium`` and ``chromium-driver`` (Selenium never
downloads a browser or a driver), one throw-away profile per session, console messages kept."""
from __future__ import annotations

import os
import shutil
import tempfile

CHROMIUM = os.environ.get("GKLIB_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("GKLIB_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
         "--disable-dev-shm-usage"]


def available() -> bool:
    return all(os.access(exe, os.X_OK) for exe in (CHROMIUM, CHROMEDRIVER))


def session(window: str, timeout: float):
    """Yield a Chrome driver with a ``window`` size (``"W,H"``) and page/script time-outs; quit it afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="gk-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for f in FLAGS + [f"--window-size={window}", f"--user-data-dir={profile}"]:
        opts.add_argument(f)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(timeout)
    drv.set_script_timeout(timeout)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)
