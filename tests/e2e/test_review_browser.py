"""The HTML review in a real browser: headless Chromium renders it and takes a screenshot
(slow: a browser start; run with `pytest -m "slow or reliability"`)."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from leadflow.i18n import use_locale
from leadflow.review.build import build_review
from leadflow.review.html import review_html
from tests.integration.test_review import Q3, REVIEWED_AT, ids  # noqa: F401

SCREENSHOTS = Path("out/test-screenshots")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium; .ci/run installs it (a test never installs system packages)."""
    found = shutil.which("chromium")
    if not found:
        pytest.skip(
            "chromium is not installed: `apt-get install -y chromium` "
            "(.ci/run does this before the tests)"
        )
    return found


def screenshot(browser: str, page: Path, png: Path, size: str = "1280,3200") -> None:
    """Render a local page headless and save what it looks like."""
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={png.parent / '.chromium'}",
            f"--window-size={size}",
            f"--screenshot={png}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )


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


# Chinese labels in the charts: the SVG leaves the text to the browser, so a machine
# with a CJK font draws real characters, and one without would draw empty boxes ("tofu").
CJK = re.compile(r"[\u4e00-\u9fff]")
TEXT = re.compile(r"(<text[^>]*>)([^<]*)(</text>)")
CHART = re.compile(r'src="data:image/svg\+xml;base64,([^"]+)"')


def _cjk_fonts() -> str:
    found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    return found.stdout.strip()


@pytest.fixture(scope="session")
def cjk_font(chromium) -> str:
    """A font with Chinese glyphs for the browser (.ci/run installs Debian's
    fonts-wqy-microhei): what every reader's desktop has, and a server may not."""
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig (fc-list) is not installed, so the browser's fonts are unknown")
    if not _cjk_fonts():
        pytest.skip(
            "no font with Chinese glyphs: `apt-get install -y fonts-wqy-microhei` "
            "(.ci/run does this); the charts are right, this browser cannot show them"
        )
    return _cjk_fonts().splitlines()[0]


def _charts_text(html: str, change: Callable[[str], str]) -> str:
    """The page with the text of every chart label passed through `change`."""

    def svg(match: re.Match[str]) -> str:
        drawing = base64.b64decode(match[1]).decode("utf-8")
        drawing = TEXT.sub(lambda t: t[1] + change(t[2]) + t[3], drawing)
        return f'src="data:image/svg+xml;base64,{base64.b64encode(drawing.encode()).decode()}"'

    return CHART.sub(svg, html)


def _shot(
    browser: str, html: str, folder: Path, name: str, env: dict[str, str] | None = None
) -> Image.Image:
    page, png = folder / f"{name}.html", folder / f"{name}.png"
    page.write_text(html, encoding="utf-8")
    png.unlink(missing_ok=True)
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={folder / ('.chromium-' + name)}",
            "--window-size=1280,2200",
            f"--screenshot={png}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
        env=env,
    )
    with Image.open(png) as image:
        return image.convert("L")


def _differing(a: Image.Image, b: Image.Image) -> int:
    """Pixels that differ clearly (more than a quarter of the grey scale)."""
    diff = ImageChops.difference(a, b).point(lambda v: 255 if v > 64 else 0)
    return sum(diff.histogram()[255:])


def _other_characters(text: str) -> str:
    """Each Chinese character replaced by another one (the next code point)."""
    return "".join(chr(ord(c) + 1) if CJK.match(c) else c for c in text)


def _zh_page(session) -> str:
    with use_locale("zh_CN"):
        return review_html(build_review(session, Q3, REVIEWED_AT))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_chinese_chart_labels_are_drawn_as_characters_not_boxes(
    chromium,
    cjk_font,
    uow,
    ids,  # noqa: F811  (a fixture imported from its module)
    tmp_path,
):
    """Tofu boxes look alike whatever the character; real glyphs do not. So the page is
    shot three times: as it is, with every Chinese label character swapped for another, and
    with the labels removed. Real text differs from no text, and from other characters."""
    html = _zh_page(uow.session)
    assert CJK.search(base64.b64decode(CHART.findall(html)[1]).decode())
    shown = _shot(chromium, html, tmp_path, "zh")
    other = _shot(chromium, _charts_text(html, _other_characters), tmp_path, "zh-other")
    bare = _shot(chromium, _charts_text(html, lambda _: ""), tmp_path, "zh-bare")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "zh.png", SCREENSHOTS / f"review-{Q3.label}-zh_CN.png")
    drawn, distinct = _differing(shown, bare), _differing(shown, other)
    # Measured with WenQuanYi Micro Hei: about 6,000 and 1,900 pixels; with no Chinese
    # font, 0 pixels differ between the two Chinese variants (the test below).
    assert drawn > 2_000, f"the chart labels are not drawn ({drawn} pixels)"
    assert distinct > 500, (
        f"Chinese labels all look alike ({distinct} pixels differ): "
        "empty boxes instead of characters"
    )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_tofu_check_fails_without_a_chinese_font(chromium, cjk_font, uow, ids, tmp_path):  # noqa: F811
    """The check above is honest: in a browser that sees no Chinese font, swapping the
    characters changes (almost) nothing, since every character is the same empty box."""
    latin_only = tmp_path / "fonts.conf"
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    if not dejavu.is_dir():
        pytest.skip("Debian's DejaVu fonts are not in /usr/share/fonts/truetype/dejavu")
    latin_only.write_text(
        f'<?xml version="1.0"?><fontconfig><dir>{dejavu}</dir>'
        f"<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(latin_only)}
    html = _zh_page(uow.session)
    shown = _shot(chromium, html, tmp_path, "tofu", env)
    other = _shot(chromium, _charts_text(html, _other_characters), tmp_path, "tofu-other", env)
    assert _differing(shown, other) < 500
