"""Debian's headless Chromium driven over the DevTools protocol (its own websocket, no
browser download and no driver): open a page, fill and post its forms, read it, and take
its screenshot."""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect


class Browser:
    """One tab of a headless Chromium."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.ids = itertools.count(1)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a DevTools method and wait for its answer (events are skipped)."""
        call_id = next(self.ids)
        self.socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == call_id:
                assert "error" not in message, message
                result: dict[str, Any] = message.get("result", {})
                return result

    def run(self, script: str) -> Any:
        """The value of a script in the page."""
        answer = self.send("Runtime.evaluate", expression=script, returnByValue=True)
        return answer["result"].get("value")

    def _settled(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.run("window.__left === undefined && document.readyState === 'complete'"):
                return
            time.sleep(0.05)
        raise AssertionError("the page did not load")

    def open(self, url: str) -> str:
        """Go to `url`; the page's text once loaded."""
        self.run("window.__left = true")
        self.send("Page.navigate", url=url)
        self._settled()
        return self.text()

    def text(self) -> str:
        """What the page shows (and its location on the first line)."""
        return str(self.run("location.pathname + '\\n' + document.body.innerText"))

    def html(self) -> str:
        """The page's markup."""
        return str(self.run("document.documentElement.outerHTML"))

    def submit(self, form: str, fields: dict[str, str] | None = None) -> str:
        """Fill the fields of the form matched by the CSS selector `form` and press its
        button, as a person would; the text of the page that answers."""
        script = f"""(() => {{
            const form = document.querySelector({json.dumps(form)});
            if (!form) return false;
            const fields = {json.dumps(fields or {})};
            for (const [name, value] of Object.entries(fields)) {{
                const input = form.elements[name];
                if (input.type === 'checkbox') input.checked = value === 'true';
                else input.value = value;
            }}
            window.__left = true;
            form.querySelector('button[type=submit]').click();
            return true;
        }})()"""
        assert self.run(script), f"no form {form}"
        self._settled()
        return self.text()

    def screenshot(self, png: Path) -> None:
        """Save the whole page as it looks."""
        height = int(self.run("document.documentElement.scrollHeight"))
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=1280,
            height=min(max(height, 600), 6000),
            deviceScaleFactor=1,
            mobile=False,
        )
        png.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(base64.b64decode(self.send("Page.captureScreenshot")["data"]))
        self.send("Emulation.clearDeviceMetricsOverride")


@contextmanager
def chromium_tab(browser: str, folder: Path, language: str = "en") -> Iterator[Browser]:
    """A headless Chromium with a fresh profile in `folder`, asking for `language`."""
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--remote-debugging-port=0",  # the browser picks a free port and writes it down
            f"--user-data-dir={folder}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        active = folder / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not active.exists() or not active.read_text().strip():
            assert process.poll() is None and time.monotonic() < deadline, "chromium did not start"
            time.sleep(0.1)
        port = active.read_text().split()[0]
        pages = httpx.get(f"http://127.0.0.1:{port}/json", timeout=10).json()
        target = next(p for p in pages if p["type"] == "page")
        with connect(target["webSocketDebuggerUrl"], max_size=None) as socket:
            tab = Browser(socket)
            tab.send("Page.enable")
            tab.send("Network.enable")
            tab.send("Network.setExtraHTTPHeaders", headers={"Accept-Language": language})
            yield tab
    finally:
        process.terminate()
        process.wait(timeout=30)
