"""A real API server for e2e tests: uvicorn in a thread on a free port, keys from the key
service, httpx clients, and a small team with two reps."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from leadflow.api.app import create_app
from leadflow.bootstrap import unit_of_work
from leadflow.intake.pending import process_pending
from leadflow.settings import Settings
from leadflow.team.keys import create_key


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(base: str, seconds: float, alive: Callable[[], bool] = lambda: True) -> None:
    """Wait until the API at `base` answers /docs (failing if `alive` says it has died)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base}/docs", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert alive(), "the API process ended"
        assert time.monotonic() < deadline, "the API did not start"
        time.sleep(0.05)


@contextmanager
def serve(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """Run the app under uvicorn in a background thread until the block ends, on `port`
    (default: a free one)."""
    port = port or _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base, 30)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Api:
    """A running API on a test database, and ways to call it as any role."""

    base: str
    url: str
    clients: list[httpx.Client] = field(default_factory=list)

    def key(self, role: str, rep_id: int | None = None) -> str:
        """Issue a key through the real key service."""
        with unit_of_work("test", url=self.url) as uow:
            _, token = create_key(uow.session, role, rep_id=rep_id, name=f"test {role}")
            uow.commit()
        return token

    def client(self, token: str | None = None, header: str = "bearer") -> httpx.Client:
        """An httpx client sending the key as a bearer token or in X-API-Key."""
        headers = {}
        if token is not None:
            headers = (
                {"Authorization": f"Bearer {token}"} if header == "bearer" else {"X-API-Key": token}
            )
        client = httpx.Client(base_url=self.base, headers=headers, timeout=60)
        self.clients.append(client)
        return client

    def as_role(self, role: str, rep_id: int | None = None) -> httpx.Client:
        """A client with a fresh key of this role."""
        return self.client(self.key(role, rep_id))

    def process(self) -> None:
        """Run intake (screen, score, grade, assign) on the new leads, as the flow would."""
        process_pending(self.url)


@contextmanager
def running_api(url: str, port: int | None = None, **settings: Any) -> Iterator[Api]:
    """An API on this database for the length of the block (on `port`, else a free one)."""
    with serve(create_app(Settings(database_url=url, **settings)), port) as base:
        api = Api(base, url)
        try:
            yield api
        finally:
            for client in api.clients:
                client.close()


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON of a response that must have this status."""
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()


@dataclass
class Roster:
    """One team covering the east region, two senior reps, and a client per role."""

    team_id: int
    rep_ids: list[int]
    director: httpx.Client
    manager: httpx.Client
    system: httpx.Client
    reps: list[httpx.Client]


def roster(api: Api) -> Roster:
    """Create the team and reps over HTTP, then keys for each role."""
    director = api.as_role("director")
    team = ok(
        director.post(
            "/teams",
            json={
                "name": "East",
                "regions": ["east"],
                "manager_name": "Mia",
                "manager_email": "mia@example.com",
            },
        ),
        201,
    )
    rep_ids = [
        ok(
            director.post(
                "/reps",
                json={
                    "name": name,
                    "team_id": team["id"],
                    "seniority": "senior",
                    "email": f"{name.lower()}@example.com",
                },
            ),
            201,
        )["id"]
        for name in ("Ann", "Bob")
    ]
    return Roster(
        team["id"],
        rep_ids,
        director,
        api.as_role("manager"),
        api.as_role("system"),
        [api.as_role("rep", rid) for rid in rep_ids],
    )
