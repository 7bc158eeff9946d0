"""A JupyterLab server for the browser tests, started as ``make lab`` starts it, and the helpers the
Lab tests share.

:func:`start_lab` runs ``jupyter lab --no-browser`` on a free local port behind a random token
(passed to the browser in the URL; the XSRF check stays on, so nothing else on the machine can use
the server meanwhile) with the settings of ``make lab`` (``lab/jupyter_server_config.py``), on a
folder of the test's own, with throw-away Jupyter and Lab settings folders. It is stopped (with the
kernels it started) when the ``with`` block ends.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import chromium

ROOT = Path(__file__).resolve().parents[1]
#: Lab settings of every test server: no news or update checks (the machine has no network).
QUIET = {("apputils-extension", "notification"): {"fetchNews": "false", "checkForUpdates": False}}


def skip_without_chromium():
    """Skip the calling test, loudly, when Debian's chromium or chromedriver is missing."""
    if not chromium.available():
        msg = (f"SKIPPED: the JupyterLab browser test needs Debian's chromium and chromium-driver "
               f"({chromium.CHROMIUM}, {chromium.CHROMEDRIVER}; sudo apt-get install chromium chromium-driver)")
        print("\n" + "!" * 80 + "\n" + msg + "\n" + "!" * 80)
        pytest.skip(msg)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str):
    """GET a JSON answer of the server's REST API."""
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read().decode())


def wait(cond, what: str, timeout: float):
    """Poll ``cond()`` until it is truthy (and return it); fail after ``timeout`` seconds."""
    end = time.time() + timeout
    while time.time() < end:
        try:
            v = cond()
        except Exception:          # a node replaced while we looked: look again
            v = None
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@contextlib.contextmanager
def start_lab(work: Path, root_dir: Path, settings: dict | None = None, env: dict | None = None):
    """``jupyter lab`` on ``root_dir``; yields ``{"base": url, "token": token}``.

    ``settings`` maps ``(extension, plugin)`` of ``@jupyterlab`` to a settings dict, on top of
    :data:`QUIET`; ``env`` adds environment variables. Runtime, data, config and IPython folders and
    the server log (``server.log``) are under ``work``.
    """
    for (ext, name), value in {**QUIET, **(settings or {})}.items():
        folder = work / "settings" / "@jupyterlab" / ext
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.jupyterlab-settings").write_text(json.dumps(value))
    port, token = free_port(), secrets.token_hex(24)
    full_env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(work / "runtime"), JUPYTER_DATA_DIR=str(work / "data"),
                    JUPYTER_CONFIG_DIR=str(work / "config"), IPYTHONDIR=str(work / "ipython"), **(env or {}))
    full_env.pop("GKLIB_HEADLESS", None)
    # JUPYTER_DATA_DIR moved: the kernel spec and the lab extensions are found through sys.prefix.
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
           "--allow-root", f"--IdentityProvider.token={token}", "--ServerApp.password=",
           f"--ServerApp.root_dir={root_dir}", "--LabApp.expose_app_in_browser=True",
           f"--LabServerApp.user_settings_dir={work / 'settings'}",
           f"--LabServerApp.workspaces_dir={work / 'workspaces'}",
           f"--config={ROOT / 'lab' / 'jupyter_server_config.py'}"]
    log = open(work / "server.log", "w")
    proc = subprocess.Popen(cmd, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                get(f"{base}/api/status", token)
                break
            except Exception:
                if proc.poll() is not None or time.time() > deadline:
                    raise AssertionError("jupyter lab did not start:\n" + (work / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        yield {"base": base, "token": token}
    finally:
        if proc.poll() is None:                  # the server and the kernels it started
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        log.close()
