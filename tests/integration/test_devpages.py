"""The start page `/` and Swagger UI at `/_local/docs` of a running stack, over HTTP only."""

from __future__ import annotations

import http.client
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from tests.integration.conftest import RunningStack

pytestmark = pytest.mark.integration

REPO_OPENAPI = Path(__file__).resolve().parents[2] / "openapi"
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []  # what a browser fetches to show the page
        self.linked: list[str] = []
        self.config = ""
        self._in_config = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in ("script", "img") and values.get("src"):
            self.loaded.append(values["src"])
        if tag == "link" and values.get("href"):
            self.loaded.append(values["href"])
        if tag == "a" and values.get("href"):
            self.linked.append(values["href"])
        self._in_config = values.get("id") == "bbws-docs-config"

    def handle_data(self, data: str) -> None:
        if self._in_config:
            self.config += data


def _parse(body: str) -> _Page:
    page = _Page()
    page.feed(body)
    return page


def _external(body: str) -> list[str]:
    """Absolute URLs in a page that name another machine than this one."""
    urls = re.findall(r"(?:https?:)?//[^\s\"'<>)]+", body)
    return [url for url in urls if urlsplit(url).hostname not in ("127.0.0.1", "localhost")]


def test_start_page_links_the_api_docs_outbox_and_queues(local_stack: RunningStack) -> None:
    # When a developer opens the stack's root in a browser
    response = requests.get(local_stack.api_url + "/", headers={"Accept": "text/html"}, timeout=10)
    # Then it is the start page: the demo tenant, ready, and links to everything, all of them working
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert local_stack.info["demoTenantId"] in response.text
    assert '<span class="ready">ready</span>' in response.text
    assert _external(response.text) == []
    links = set(_parse(response.text).linked)
    wanted = {"/v1.0/health", "/_local/docs", "/_local/outbox", "/_local/queues.json", "/_local/info"}
    assert wanted <= links
    for link in links:
        followed = requests.get(urljoin(local_stack.api_url + "/", link), timeout=10)
        assert followed.status_code == 200, link


def test_a_json_client_at_the_root_gets_a_problem_404(local_stack: RunningStack) -> None:
    response = requests.get(local_stack.api_url + "/", headers={"Accept": "application/json"}, timeout=10)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_the_docs_page_and_every_file_it_loads_come_from_the_stack(local_stack: RunningStack) -> None:
    # When the docs page is opened
    response = requests.get(local_stack.api_url + "/_local/docs", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    # Then it names no other origin, and every file it loads answers from the stack itself
    assert _external(response.text) == []
    page = _parse(response.text)
    assert len(page.loaded) >= 4
    for url in page.loaded:
        assert url.startswith("/_local/docs/"), url
        asset = requests.get(local_stack.api_url + url, timeout=10)
        assert asset.status_code == 200, url
        assert asset.headers["Content-Type"] == CONTENT_TYPES[Path(urlsplit(url).path).suffix], url
        assert asset.headers["Cache-Control"], url
        assert asset.content
        # a second load with the ETag costs nothing
        again = requests.get(local_stack.api_url + url, headers={"If-None-Match": asset.headers["ETag"]}, timeout=10)
        assert again.status_code == 304
    # and the assets name no place a browser would fetch from (fonts, images: data: URLs only)
    for url in page.loaded:
        if url.endswith(".css"):
            css = requests.get(local_stack.api_url + url, timeout=10).text
            assert re.findall(r"url\(\s*(?!['\"]?data:)['\"]?([^'\")]*)", css) == []


def _documents(local_stack: RunningStack) -> list[dict[str, Any]]:
    page = requests.get(local_stack.api_url + "/_local/docs", timeout=10).text
    urls: list[dict[str, Any]] = json.loads(_parse(page).config)["urls"]
    return urls


def test_every_service_is_offered_and_its_document_points_at_the_local_gateway(local_stack: RunningStack) -> None:
    documents = _documents(local_stack)
    # Every committed document is offered
    assert sorted(entry["name"] for entry in documents) == sorted(path.stem for path in REPO_OPENAPI.glob("*.json"))
    for entry in documents:
        response = requests.get(local_stack.api_url + entry["url"], timeout=10)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json"
        served = response.json()
        # Try it out goes to this stack's gateway and stage
        assert served["servers"] == [
            {"url": local_stack.base_url, "description": "this local stack (development only)"}
        ]
        committed = json.loads((REPO_OPENAPI / f"{entry['name']}.json").read_text())
        assert {key: value for key, value in served.items() if key != "servers"} == {
            key: value for key, value in committed.items() if key != "servers"
        }


def test_try_it_out_requests_work_with_the_demo_credentials(local_stack: RunningStack) -> None:
    # What Swagger UI sends for "Try it out": the served server URL + the path, with the schemes filled in
    by_name = {entry["name"]: entry["url"] for entry in _documents(local_stack)}
    products = requests.get(local_stack.api_url + by_name["products"], timeout=10).json()
    orders = requests.get(local_stack.api_url + by_name["orders"], timeout=10).json()
    base = products["servers"][0]["url"]
    assert "/products" in products["paths"]
    listed = requests.get(base + "/products", headers={"X-Api-Key": local_stack.storefront_key}, timeout=10)
    assert listed.status_code == 200
    assert "bearerAuth" in json.dumps(orders["paths"]["/orders"]["get"]["security"])
    token = requests.post(
        local_stack.api_url + "/_local/tokens",
        json={"role": "tenant", "tenantId": local_stack.info["demoTenantId"]},
        timeout=10,
    ).json()["token"]
    mine = requests.get(
        orders["servers"][0]["url"] + "/orders", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert mine.status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "/_local/docs/swagger-ui/{version}/../../../../pyproject.toml",
        "/_local/docs/swagger-ui/{version}/..%2f..%2f..%2f..%2fpyproject.toml",
        "/_local/docs/swagger-ui/{version}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
        "/_local/docs/swagger-ui/{version}/index.html",
        "/_local/docs/openapi/../../../pyproject.toml",
        "/_local/docs/openapi/..%2f..%2fpyproject.toml",
        "/_local/docs/../../pyproject.toml",
        "/_local/docs/swagger-ui/{version}/%2fetc%2fpasswd",
        "/_local/docs/swagger-ui/{version}//etc/passwd",
        "/_local/docs/swagger-ui/{version}/..\\..\\pyproject.toml",
    ],
)
def test_no_request_path_reads_another_file(local_stack: RunningStack, target: str) -> None:
    page = requests.get(local_stack.api_url + "/_local/docs", timeout=10).text
    version = re.search(r"/_local/docs/swagger-ui/([^/]+)/", page)
    assert version is not None
    # Sent byte for byte (an HTTP client library would normalise the dots away)
    address = urlsplit(local_stack.api_url)
    connection = http.client.HTTPConnection(str(address.hostname), address.port, timeout=10)
    try:
        connection.request("GET", target.format(version=version.group(1)))
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 404
    assert response.getheader("Content-Type") == "application/problem+json"
    assert b"[project]" not in body
    assert b"root:" not in body
