"""The HTML review in a real browser: headless Chromium renders it and takes a screenshot
(slow: a browser start; run with `pytest -m "slow or reliability"`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from leadflow.services.review import build_review
from leadflow.services.review_html import review_html
from tests.integration.test_review import Q3, REVIEWED_AT, ids  # noqa: F401

SCREENSHOTS = Path("out/test-screenshots")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium; .ci/run installs it (a test never installs system packages)."""
    found = shutil.which("chromium")
    if not found:
        pytest.skip("chromium is not installed: `apt-get install -y chromium` "
                    "(.ci/run does this before the tests)")
    return found


def screenshot(browser: str, page: Path, png: Path, size: str = "1280,3200") -> None:
    """Render a local page headless and save what it looks like."""
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--no-first-run", f"--user-data-dir={png.parent / '.chromium'}",
                    f"--window-size={size}", f"--screenshot={png}", page.resolve().as_uri()],
                   capture_output=True, timeout=120, check=True)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_review_renders_in_a_browser(chromium, uow, ids, tmp_path):  # noqa: F811
    page = tmp_path / "review.html"
    page.write_text(review_html(build_review(uow.session, Q3, REVIEWED_AT)), encoding="utf-8")
    png = tmp_path / "review.png"
    screenshot(chromium, page, png)
    assert png.stat().st_size > 50_000
    with Image.open(png) as image:
        assert image.size == (1280, 3200)
        # A rendered report has many colours (charts, cards); a blank or broken page few.
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 200
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(png, SCREENSHOTS / f"review-{Q3.label}.png")
