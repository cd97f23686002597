"""Issue 30: "The `Allow` header of a 405 lists one method, and `PATCH /leads/batch`
answers 422 instead of 405." A method a path does not take is a 405 whose Allow lists
every method the path does take, as the OpenAPI lists them, over real HTTP."""

from __future__ import annotations

from tests.e2e.api_harness import running_api


def test_a_405_names_every_method_the_path_takes(sqlite_url):
    with running_api(sqlite_url) as api:
        manager = api.as_role("manager")
        for method, path, allowed in (
            ("DELETE", "/leads", "GET, POST"),
            ("PATCH", "/leads/batch", "POST"),
            ("PUT", "/leads/batch", "POST"),
            ("DELETE", "/leads/1", "GET, PATCH"),
            ("PUT", "/leads/1/win", "POST"),
        ):
            answer = manager.request(method, path, json={})
            assert (answer.status_code, answer.headers.get("allow")) == (405, allowed), (
                method,
                path,
                answer.text,
            )
        assert manager.get("/leads/abc").status_code == 422  # not a path of its own: a bad id
