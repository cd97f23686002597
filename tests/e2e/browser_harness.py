"""Debian's headless Chromium driven by Selenium through Debian's chromedriver: open a page,
fill and post its forms as a person would, read it, and take its screenshot. Both binaries
are passed in by path, so Selenium Manager never looks for (or downloads) either."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

WIDTH = 1280


def _gone(element: WebElement) -> bool:
    """Whether the page holding `element` has been left. Chromium says so as a stale
    element, or, caught mid-navigation, as a node that "does not belong to the document"."""
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as exc:
        if "does not belong to the document" in str(exc):
            return True
        raise
    return False


class Browser:
    """One window of a headless Chromium, as a person uses it."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        self.driver = driver

    def open(self, url: str) -> str:
        """Go to `url`; the page's text once loaded (get waits for the load)."""
        self.driver.get(url)
        return self.text()

    def text(self) -> str:
        """What the page shows, with its path on the first line."""
        body = self.driver.find_element(By.TAG_NAME, "body").text
        return f"{urlsplit(self.driver.current_url).path}\n{body}"

    def html(self) -> str:
        """The page's markup as the browser holds it."""
        return self.driver.page_source

    def value(self, selector: str) -> str:
        """The value of the input matched by the CSS selector (a hidden one too)."""
        return self.driver.find_element(By.CSS_SELECTOR, selector).get_attribute("value") or ""

    def submit(self, form: str, fields: dict[str, str] | None = None) -> str:
        """Fill the fields of the form matched by the CSS selector `form` and press its
        button, as a person would; the text of the page that answers."""
        found = self.driver.find_element(By.CSS_SELECTOR, form)
        for folded in found.find_elements(By.XPATH, "ancestor::details[not(@open)]"):
            folded.find_element(By.TAG_NAME, "summary").click()  # unfold it, as a person does
        for name, value in (fields or {}).items():
            _fill(found.find_element(By.NAME, name), value)
        page = self.driver.find_element(By.TAG_NAME, "html")
        found.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        # A click does not wait for the page it posts to: the old page going, then the new
        # one loaded, do.
        WebDriverWait(self.driver, 30).until(lambda _: _gone(page))
        WebDriverWait(self.driver, 30).until(
            lambda driver: driver.execute_script("return document.readyState") == "complete"
        )
        return self.text()

    def screenshot(self, png: Path) -> None:
        """Save the whole page as it looks, 1280 wide and at least 600 high: the window
        takes the page's height first (a window's size counts its frame, added here)."""
        size = self.driver.get_window_size()
        frame = self.driver.execute_script(
            "return [outerWidth - innerWidth, outerHeight - innerHeight]"
        )
        self.driver.set_window_size(WIDTH + frame[0], 600 + frame[1])
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(WIDTH + frame[0], min(height, 6000) + frame[1])
        png.parent.mkdir(parents=True, exist_ok=True)
        assert self.driver.get_screenshot_as_file(str(png)), png
        self.driver.set_window_size(size["width"], size["height"])


def _fill(field: WebElement, value: str) -> None:
    """Type into a field, pick a choice, or tick a box, as the field asks."""
    if field.tag_name == "select":
        Select(field).select_by_value(value)
    elif field.get_attribute("type") == "checkbox":
        if field.is_selected() != (value == "true"):
            field.click()
    else:
        field.clear()
        field.send_keys(value)


@contextmanager
def chromium_tab(
    browser: str, driver: str, folder: Path, language: str = "en"
) -> Iterator[Browser]:
    """A headless Chromium (`browser`) under chromedriver (`driver`) with a fresh profile in
    `folder`, asking for `language` in Accept-Language."""
    folder.mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
        f"--window-size={WIDTH},900",
        f"--lang={language.split(',')[0]}",
        f"--user-data-dir={folder}",
    ):
        options.add_argument(argument)
    # --lang sets the browser's own language; the pages read Accept-Language, which Chromium
    # builds (with its own q values) from this preference:
    accepted = ",".join(part.split(";")[0].strip() for part in language.split(","))
    options.add_experimental_option("prefs", {"intl.accept_languages": accepted})
    service = Service(executable_path=driver, log_output=str(folder / "chromedriver.log"))
    chrome = webdriver.Chrome(options=options, service=service)
    try:
        yield Browser(chrome)
    finally:
        chrome.quit()
