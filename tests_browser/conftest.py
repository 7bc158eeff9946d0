"""Fixtures of the JupyterLab browser tests (the book test, test_book_pages.py, has its own driver)."""
import pytest

import chromium
from labserver import skip_without_chromium


@pytest.fixture(scope="module")
def chromium_ok():
    skip_without_chromium()


@pytest.fixture(scope="module")
def driver(chromium_ok):
    """Headless Chromium at 1400 × 1200 with 90-s page and script time-outs."""
    yield from chromium.session("1400,1200", 90)
