"""A person at the workbench over real HTTP: an httpx client that signs in with a key,
keeps the session cookie and posts forms with the page's CSRF token, as a browser does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

import httpx

from tests.e2e.api_harness import Api

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')


@dataclass
class Person:
    """One browser: its client and the CSRF token of the last page it read."""

    client: httpx.Client
    csrf: str = ""

    def get(self, path: str) -> httpx.Response:
        """Read a page; its forms' token is kept for the next post."""
        page = self.client.get(path)
        found = CSRF.search(page.text)
        if found:
            self.csrf = found.group(1)
        return page

    def post(self, path: str, data: dict[str, str] | None = None) -> httpx.Response:
        """Post a form as the page does, token included."""
        return self.client.post(path, data={"csrf": self.csrf, **(data or {})})

    def act(self, lead_id: int, action: str, data: dict[str, str] | None = None) -> None:
        """Post one of the lead page's forms; it must be taken (303 back to the lead)."""
        self.get(f"/app/leads/{lead_id}")
        done = self.post(f"/app/leads/{lead_id}/{action}", data)
        assert done.status_code == 303, (action, done.status_code, refused(done.text))


def form_values(html: str, action: str) -> dict[str, str]:
    """What a browser sends from the form posting to `action` as the page drew it: each
    input's value, each textarea's text and each select's chosen option (csrf aside)."""
    form = html.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
    sent = dict(
        re.findall(
            r'<input type="(?:hidden|text|number|date)"[^>]* name="([^"]+)" value="([^"]*)"', form
        )
    )
    sent |= dict(re.findall(r'<textarea[^>]* name="([^"]+)"[^>]*>([^<]*)</textarea>', form))
    for name, options in re.findall(r'<select[^>]* name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        sent[name] = chosen.group(1) if chosen else ""
    sent.pop("csrf", None)
    return {name: unescape(value) for name, value in sent.items()}


def refused(html: str) -> list[str]:
    """The refusals a page shows (the product's messages)."""
    return re.findall(r'class="refused"[^>]*>([^<]+)<', html)


def signed_in(api: Api, token: str, language: str = "en") -> Person:
    """A browser signed in with `token`."""
    client = httpx.Client(base_url=api.base, timeout=60, headers={"Accept-Language": language})
    api.clients.append(client)
    person = Person(client)
    person.get("/app/login")
    answer = person.post("/app/login", {"key": token})
    assert answer.status_code == 303, answer.text
    return person
