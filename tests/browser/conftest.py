"""Browser tests: a real `integritas serve` on SQLite and Debian's Chromium driven by Playwright.

- One server for the whole session: a fresh data dir, the small organisation below imported first with
  `integritas import-org`, then `integritas serve` on a free port.
- Chromium is `/usr/bin/chromium` (`apt-get install -y chromium`); Playwright never downloads a browser.
  Without Playwright or Chromium the browser tests are skipped with the reason, and fail under CI=true.
- `axe_check(page)` runs axe-core (installed from npm by `dev.py test` into .cache/npm, path in
  INTEGRITAS_AXE_JS) in the page and fails on serious or critical violations.
- Screenshots go to artifacts/screenshots/ (gitignored).
- Skipped in the PostgreSQL pass: the browser tests exercise the pages, not the database, and run
  against the embedded default (SQLite).
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server import Served, cli_env, run_cli

try:  # the test modules import `expect` from here, so that they load without Playwright (and skip)
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the `browser` fixture skips (or fails in CI) with the reason
    expect = None  # type: ignore[assignment]

__all__ = ["expect"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_NOTES = ARTIFACTS / "axe"  # minor and moderate findings, one file per page
CHROMIUM = os.environ.get("INTEGRITAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_DEFAULT = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000

PASSWORD = "Jujur-Dan-Adil-2026!"

# The organisation every browser test works in: a district office and one school whose policy requires
# evidence, the chain teacher -> vice principal -> principal -> head of division, a team for each unit
# and an administrator.
# fmt: off
ORG: dict[str, Any] = {
    "holidays": [],
    "units": [
        {"code": "DISDIK-UJI", "name": "Dinas Pendidikan Kabupaten Uji", "parent": None,
         "timezone": "Asia/Jakarta", "work_week": "mon-fri"},
        {"code": "SMPN1-UJI", "name": "SMP Negeri 1 Sukamaju", "parent": "DISDIK-UJI",
         "work_week": "mon-sat", "policy": {"require_evidence": True, "allow_anonymous": False}},
        # More units than the team list's select offers: the district's team types its unit there.
        *({"code": f"SDN{n}-MEKAR", "name": f"SD Negeri {n} Mekarsari", "parent": "DISDIK-UJI"}
          for n in range(1, 31)),
    ],
    "positions": [
        {"code": "KABID-UJI", "unit": "DISDIK-UJI", "title": "Kepala Bidang Pembinaan SMP", "reports_to": None},
        {"code": "KS-UJI", "unit": "SMPN1-UJI", "title": "Kepala Sekolah", "reports_to": "KABID-UJI"},
        {"code": "WAKA-UJI", "unit": "SMPN1-UJI", "title": "Wakil Kepala Sekolah Bidang Kurikulum",
         "reports_to": "KS-UJI"},
        {"code": "GURU-UJI", "unit": "SMPN1-UJI", "title": "Ketua Panitia PPDB", "reports_to": "WAKA-UJI"},
    ],
    "people": [
        # Without a password (never signs in here): each argon2 hash costs the import about a second.
        {"username": "kabid", "name": "Hartini Wulandari", "email": "kabid@disdik-uji.example.org",
         "positions": ["KABID-UJI"]},
        {"username": "kepsek", "name": "Bambang Sutrisno", "email": "kepsek@smpn1-uji.example.org",
         "password": PASSWORD, "positions": ["KS-UJI"]},
        {"username": "wakasek", "name": "Ratna Sari Dewi", "email": "wakasek@smpn1-uji.example.org",
         "password": PASSWORD, "positions": ["WAKA-UJI"]},
        {"username": "ketuappdb", "name": "Agung Prasetya", "email": "ppdb@smpn1-uji.example.org",
         "password": PASSWORD, "positions": ["GURU-UJI"]},
        {"username": "timsekolah", "name": "Indah Permatasari", "email": "tim@smpn1-uji.example.org",
         "password": PASSWORD, "positions": []},
        {"username": "timdinas", "name": "Yusuf Hidayat", "email": "tim@disdik-uji.example.org",
         "password": PASSWORD, "positions": []},  # reads the district's monitoring
        {"username": "admin", "name": "Maya Kartika", "email": "admin@disdik-uji.example.org",
         "password": PASSWORD, "positions": [], "admin": True},
    ],
    "teams": [
        {"unit": "SMPN1-UJI", "members": ["timsekolah"]},
        {"unit": "DISDIK-UJI", "members": ["timdinas"]},
    ],
}
# fmt: on


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    """Skip with the reason on a developer's machine; fail in CI, where the browser must be installed."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the browser tests must run; see .ci/run)", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:  # noqa: ARG001
    """This hook sees every collected test: only the ones in this folder are touched."""
    on_postgres = bool(os.environ.get("DATABASE_URL"))
    skip = pytest.mark.skip(
        reason="browser tests run against the embedded default (SQLite) server; "
        "skipped in the PostgreSQL pass (DATABASE_URL is set)"
    )
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.slow)
            if on_postgres:
                item.add_marker(skip)


# --- the server ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp("browser-server")
    env = cli_env(data_dir)  # without DATABASE_URL: SQLite in the data dir
    org_file = data_dir / "org.json"
    org_file.write_text(json.dumps(ORG), encoding="utf-8")
    done = run_cli("import-org", str(org_file), env=env, timeout=120)
    assert done.returncode == 0, f"import-org failed:\n{done.stdout}\n{done.stderr}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "browser-server.log"
    log.write_text("")
    served = Served(env, log)
    try:
        served.wait_ready("/", timeout=60)
        yield served
    finally:
        try:
            served.stop()
        finally:
            served.__exit__()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:  # noqa: ARG001
    """A failing browser test shows the end of the server's log (a 500's traceback is there)."""
    outcome = yield
    report = outcome.get_result()
    log = ARTIFACTS / "browser-server.log"
    if report.failed and HERE in Path(str(item.path)).resolve().parents and log.is_file():
        tail = log.read_text(errors="replace").splitlines()[-40:]
        report.sections.append(
            ("integritas serve (artifacts/browser-server.log, last 40 lines)", "\n".join(tail))
        )


@pytest.fixture(scope="session")
def base_url(server: Served) -> str:
    return server.base


# --- the browser --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed: pip install -e '.[test]'")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"Chromium is not installed at {CHROMIUM}: apt-get install -y chromium")
    manager = sync_playwright().start()
    try:
        browser = manager.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:
        manager.stop()
        unavailable(f"Chromium at {CHROMIUM} did not start: {exc}")
    try:
        yield browser
    finally:
        browser.close()
        manager.stop()


# Contexts made with JavaScript disabled (axe needs it: such pages are checked in a JS-enabled copy).
_NO_JS: set[int] = set()


@pytest.fixture
def new_context(browser: Any, base_url: str) -> Iterator[Callable[..., Any]]:
    """Make a browser context (a separate visitor: own cookies) on the test server; closed after the test.

    `new_context(phone=True, javascript=False, language="en")`.
    """
    made: list[Any] = []

    def make(
        *, phone: bool = False, javascript: bool = True, language: str | None = None, **options: Any
    ) -> Any:
        context = browser.new_context(
            base_url=base_url,
            viewport=PHONE if phone else DESKTOP,
            java_script_enabled=javascript,
            locale="id-ID",
            timezone_id="Asia/Jakarta",
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        if language:
            context.add_cookies([{"name": "integritas_language", "value": language, "url": base_url}])
        if not javascript:
            _NO_JS.add(id(context))
        made.append(context)
        return context

    yield make
    for context in made:
        _NO_JS.discard(id(context))
        context.close()


@pytest.fixture
def page(new_context: Callable[..., Any]) -> Any:
    return new_context().new_page()


# --- screenshots --------------------------------------------------------------------------------------


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot to artifacts/screenshots/<name>.png (never committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- accessibility ------------------------------------------------------------------------------------


def _axe_source() -> str | None:
    path = Path(os.environ.get("INTEGRITAS_AXE_JS") or AXE_DEFAULT)
    return path.read_text(encoding="utf-8") if path.is_file() else None


def format_violations(violations: list[dict[str, Any]], url: str) -> str:
    lines = [f"axe-core: {len(violations)} serious or critical accessibility violation(s) on {url}"]
    for v in violations:
        lines.append(f"\n[{v.get('impact')}] {v.get('id')}: {v.get('help')}")
        lines.append(f"  {v.get('helpUrl')}")
        for node in v.get("nodes", [])[:10]:
            lines.append(f"  - at {', '.join(map(str, node.get('target', [])))}")
            lines.append(f"    {node.get('html', '')[:200]}")
            summary = (node.get("failureSummary") or "").strip().replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
        if len(v.get("nodes", [])) > 10:
            lines.append(f"  … and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


AXE_MISSING = (
    "axe-core is not installed: `python3 dev.py test` installs it with npm into .cache/npm "
    "(or set INTEGRITAS_AXE_JS to an axe.min.js)"
)


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The axe-core script; a test that is only an accessibility check asks for this (skips without it)."""
    source = _axe_source()
    if source is None:
        unavailable(AXE_MISSING)
    return source  # type: ignore[return-value]


@pytest.fixture
def axe_check(browser: Any) -> Iterator[Callable[[Any], list[dict[str, Any]]]]:
    """`axe_check(page)`: run axe-core on the page as it is; fail on serious or critical violations.

    The script is evaluated through the DevTools protocol (the page's CSP forbids inline scripts, and
    this is not an inline script). axe needs JavaScript: a page from a JS-disabled context is loaded
    again (GET, same cookies) in a JS-enabled copy of that context. Returns the minor/moderate ones.
    Without axe-core the check warns and lets the rest of the test go on (it fails under CI=true).
    """
    axe_source = _axe_source()
    copies: list[Any] = []

    def check(page: Any) -> list[dict[str, Any]]:
        if axe_source is None:
            if in_ci():
                pytest.fail(AXE_MISSING, pytrace=False)
            warnings.warn(f"accessibility check of {page.url} not run: {AXE_MISSING}", stacklevel=2)
            return []
        target = page
        if id(page.context) in _NO_JS:
            copy = browser.new_context(
                base_url=None, viewport=page.viewport_size, storage_state=page.context.storage_state()
            )
            copy.set_default_timeout(TIMEOUT_MS)
            copies.append(copy)
            target = copy.new_page()
            target.goto(page.url)
        target.evaluate(axe_source)
        result = target.evaluate(
            """async () => {
                const r = await axe.run(document, {resultTypes: ['violations']});
                return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                    nodes: v.nodes.map(n => ({target: n.target, html: n.html, failureSummary: n.failureSummary}))}));
            }"""
        )
        bad = [v for v in result if v.get("impact") in {"serious", "critical"}]
        assert not bad, format_violations(bad, target.url)
        if result:  # minor and moderate ones: kept for the page's authors, not a failure
            AXE_NOTES.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9]+", "-", target.url.split("//", 1)[-1].split("/", 1)[-1]).strip("-")
            text = format_violations(result, target.url).replace("serious or critical", "minor or moderate")
            (AXE_NOTES / f"{name or 'home'}.txt").write_text(text + "\n", encoding="utf-8")
        return result

    yield check
    for copy in copies:
        copy.close()


# --- words on the pages -------------------------------------------------------------------------------


def T(text: str, context: str | None = None) -> str:  # noqa: N802 - reads like the {% translate %} tag
    """The page's words in Indonesian (the default language), from the same catalogs the server uses:
    tests select by the English source string and follow any change of the Indonesian wording."""
    from django.utils import translation

    with translation.override("id"):
        return translation.pgettext(context, text) if context else translation.gettext(text)


def sign_in(context: Any, username: str, password: str = PASSWORD) -> Any:
    """Sign in through the staff sign-in page (header link) and return the page, on the landing page."""
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name=T("Staff sign-in")).click()
    field(page, "Username").fill(username)
    field(page, "Password").fill(password)
    page.get_by_role("button", name=T("Sign in"), exact=True).click()
    page.wait_for_load_state()
    assert "/masuk/" not in page.url, f"{username} could not sign in: {page.url}\n{page.inner_text('main')}"
    return page


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_file(name: str) -> dict[str, Any]:
    """An evidence file for `set_input_files` (typed by its content: a PDF)."""
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF_BYTES}


def label_re(text: str) -> re.Pattern[str]:
    """A label that starts with these words (labels go on with "(required)", hints, …); Playwright's
    plain text match would also find any label that merely contains them."""
    return re.compile(r"^\s*" + re.escape(text) + r"(?!\w)")


def field(scope: Any, english: str) -> Any:
    """The control whose label starts with the Indonesian of `english`, in a page or a part of it."""
    return scope.get_by_label(label_re(T(english)))
