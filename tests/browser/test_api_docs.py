"""The partner API's documentation works offline under the site's CSP:
Swagger UI and ReDoc come from our static files (drf-spectacular-sidecar),
started by a static script; no request leaves this site, and neither
page reports a CSP violation (ReDoc's footer logo, which it draws from
cdn.redoc.ly, is our copy: partners/api/docs.py says how)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CSP_LISTENER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def offline(page: Page, base: str) -> list[str]:
    """Refuse every request that leaves the test server; return them."""
    elsewhere: list[str] = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith((base, "data:", "blob:")):
            request_route.continue_()
        else:
            elsewhere.append(url)
            request_route.abort()

    page.route("**/*", route)
    return elsewhere


def test_swagger_ui_shows_every_endpoint_offline(page: Page, live_server):
    elsewhere = offline(page, live_server.url)
    page.goto(live_server.url + "/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("API partenaires")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    paths = [
        p.replace("\u200b", "") for p in page.locator(".opblock-summary-path").all_inner_texts()
    ]
    assert "/api/v1/companies/{slug}/reviews" in paths
    # One block per operation of the schema, whatever the API grows to.
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert len(paths) == sum(len(operations) for operations in schema["paths"].values())
    assert elsewhere == []


def test_redoc_shows_the_api_offline(browser, live_server):
    page = browser.new_page()
    violations: list[str] = []
    page.expose_function("__cspViolation", lambda text: violations.append(text))
    page.add_init_script(CSP_LISTENER)
    elsewhere = offline(page, live_server.url)
    page.goto(live_server.url + "/api/docs/redoc/")
    expect(page.locator("#redoc-container h1").first).to_contain_text("API partenaires")
    expect(page.get_by_text("Search companies").first).to_be_attached()
    page.wait_for_timeout(300)
    assert elsewhere == []
    # ReDoc's footer logo, drawn from cdn.redoc.ly, is ours instead: no CSP block.
    expect(page.locator("img[alt='redocly logo']")).to_have_attribute(
        "src", "/static/img/api-docs-logo.svg"
    )
    assert violations == []
    page.close()
