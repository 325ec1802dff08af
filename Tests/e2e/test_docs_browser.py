"""/docs (Swagger UI) and /redoc (ReDoc) in a real browser with the network off: Debian's headless
Chromium, driven through chromedriver, opens each page from the stack's nginx and must list every
operation of /openapi.json while every request it makes stays on loopback."""
import json
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

# Nothing listens on port 9 (discard): every request that does not go to loopback fails there.
# Chromium never sends loopback requests through a proxy, so the stack is still reached directly.
DEAD_PROXY = "http://127.0.0.1:9"
RENDER_TIMEOUT = 20
# ReDoc's side menu shows Redocly's logo from its CDN. The Content-Security-Policy refuses it before
# any request is made (and the dead proxy would fail it); nothing else may even be attempted.
REFUSED_BY_CSP = {"https://cdn.redoc.ly/redoc/logo-mini.svg"}
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--proxy-server={DEAD_PROXY}", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1280,900"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(RENDER_TIMEOUT)
    yield driver
    driver.quit()


def operations(stack):
    document = stack.get("/openapi.json").json()
    return {(method.upper(), path, operation.get("operationId"))
            for path, item in document["paths"].items() for method, operation in item.items() if method in METHODS}


def network_events(driver):
    """The page's requests since the last call: {request id: url}, and the failures by request id."""
    requests, failures = {}, {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests[message["params"]["requestId"]] = message["params"]["request"]["url"]
        elif message["method"] == "Network.loadingFailed":
            failures[message["params"]["requestId"]] = message["params"]
    return requests, failures


def assert_only_loopback_was_reached(driver, stack):
    requests, failures = network_events(driver)
    assert requests, "the performance log recorded no request"
    outside = {}
    for request_id, url in requests.items():
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob"):
            continue
        if parts.scheme == "http" and parts.hostname == "127.0.0.1" and parts.port == stack.port:
            continue
        outside[url] = failures.get(request_id, {}).get("blockedReason")
    assert outside == {url: "csp" for url in outside if url in REFUSED_BY_CSP}, outside
    return requests


def wait_for(driver, script, what):
    try:
        return WebDriverWait(driver, RENDER_TIMEOUT, poll_frequency=0.1).until(lambda d: d.execute_script(script))
    except TimeoutException:
        raise AssertionError(f"{what} did not render within {RENDER_TIMEOUT} s; page text: "
                             f"{driver.execute_script('return document.body.innerText')[:500]!r}") from None


def console_errors(driver):
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"
            and not any(url in entry["message"] for url in REFUSED_BY_CSP)]


def test_the_browser_cannot_leave_loopback(browser):
    with pytest.raises(WebDriverException, match="ERR_PROXY_CONNECTION_FAILED"):
        browser.get("http://example.com/")


def test_swagger_ui_lists_every_operation_offline(browser, stack):
    expected = {(method, path) for method, path, _ in operations(stack)}
    network_events(browser)
    browser.get(stack.url("/docs"))
    count = len(expected)
    shown = wait_for(browser, f"""
        const blocks = document.querySelectorAll('.opblock');
        if (blocks.length < {count}) return null;
        return Array.from(blocks).map(block => [
            block.querySelector('.opblock-summary-method').innerText.trim(),
            block.querySelector('.opblock-summary-path').getAttribute('data-path')]);
    """, "Swagger UI's operations")
    assert {tuple(pair) for pair in shown} == expected
    assert "/api/v1/accounts" in browser.execute_script("return document.body.innerText")
    requests = assert_only_loopback_was_reached(browser, stack)
    assert stack.url("/docs/assets/swagger-ui-bundle.js") in requests.values()
    assert stack.url("/openapi.json") in requests.values()
    assert console_errors(browser) == []


def test_redoc_lists_every_operation_offline(browser, stack):
    operation_ids = {operation_id for _, _, operation_id in operations(stack)}
    assert None not in operation_ids, "ReDoc names an operation without operationId by its path"
    expected = {f"operation/{operation_id}" for operation_id in operation_ids}
    network_events(browser)
    browser.get(stack.url("/redoc"))
    count = len(expected)
    shown = wait_for(browser, f"""
        // "operation/<id>", or "tag/<tag>/operation/<id>" once the document has tags.
        const sections = document.querySelectorAll('[data-section-id*="operation/"]');
        if (sections.length < {count}) return null;
        return Array.from(sections).map(section => {{
            const id = section.getAttribute('data-section-id');
            return id.slice(id.indexOf('operation/'));
        }});
    """, "ReDoc's operations")
    assert set(shown) == expected
    text = browser.execute_script("return document.body.innerText")
    assert "/api/v1/accounts" in text and "Something went wrong" not in text
    requests = assert_only_loopback_was_reached(browser, stack)
    assert stack.url("/redoc/assets/redoc.standalone.js") in requests.values()
    assert console_errors(browser) == []
