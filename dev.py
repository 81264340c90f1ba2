#!/usr/bin/env python3
"""Developer entry point that needs nothing but Python ≥ 3.11.

    python3 dev.py demo    make .venv if needed, load the demo organisation, serve on 127.0.0.1:8000
    python3 dev.py test    make .venv if needed, lint (ruff), type-check (mypy), run every test on SQLite,
                           then on PostgreSQL
    python3 dev.py messages  refresh and compile the translations (locale/id, locale/en)

The virtual environment is rebuilt when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".integritas-installed"
PG_URL = os.environ.get("INTEGRITAS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def run(*cmd: str | Path, env: dict[str, str] | None = None, check: bool = True) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    code = subprocess.call([str(c) for c in cmd], cwd=ROOT, env=env)
    if check and code != 0:
        sys.exit(code)
    return code


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on whatever python3 the machine has
        sys.exit("Integritas needs Python 3.11 or newer")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PY.exists():
        return
    if not PY.exists():
        run(sys.executable, "-m", "venv", VENV)
    run(PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", ".[test]")
    STAMP.write_text(wanted)


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


def start_postgres() -> None:
    """CI machines have PostgreSQL installed; start the cluster when it is not running."""
    if postgres_reachable():
        return
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if versions and shutil.which("pg_ctlcluster"):
        subprocess.call(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"])
    for _ in range(30):
        if postgres_reachable():
            return
        import time

        time.sleep(1)


def cmd_demo(args: list[str]) -> None:
    ensure_venv()
    integritas = BIN / "integritas"
    run(integritas, "demo")
    os.execv(str(integritas), [str(integritas), "serve", *args])


AXE_JS = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"


def ensure_axe() -> Path | None:
    """axe-core (the accessibility checker the browser tests run in each page) from the npm registry,
    into .cache/npm (gitignored); None when it is missing and npm is not there to fetch it."""
    if AXE_JS.is_file():
        return AXE_JS
    npm = shutil.which("npm")
    if npm is None:
        print("(npm not found: axe-core not installed, the accessibility checks will be skipped)", flush=True)
        return None
    run(
        npm,
        "install",
        "--no-save",
        "--no-audit",
        "--no-fund",
        "--prefix",
        ROOT / ".cache" / "npm",
        "axe-core@4",
        check=False,
    )
    return AXE_JS if AXE_JS.is_file() else None


def cmd_test(args: list[str]) -> None:
    ensure_venv()
    in_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    run(PY, "-m", "ruff", "check", "integritas", "tests", "dev.py")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    # mypy with django-stubs reads the settings: give it a data dir of its own (keys are generated there).
    with tempfile.TemporaryDirectory(prefix="integritas-mypy-") as data_dir:
        run(PY, "-m", "mypy", env={**env, "INTEGRITAS_DATA_DIR": data_dir})
    axe = ensure_axe()
    if axe is not None:
        env["INTEGRITAS_AXE_JS"] = str(axe)  # read by tests/browser/conftest.py
    print("\n=== tests on SQLite ===", flush=True)
    code = run(PY, "-m", "pytest", *args, env=env, check=False)
    start_postgres()
    if postgres_reachable():
        print("\n=== tests on PostgreSQL ===", flush=True)
        pg_code = run(PY, "-m", "pytest", *args, env={**env, "DATABASE_URL": PG_URL}, check=False)
        code = code or pg_code
    elif in_ci:
        print("PostgreSQL is not reachable on 127.0.0.1:5432 and could not be started", flush=True)
        code = code or 1
    else:
        print("\n(PostgreSQL not reachable on 127.0.0.1:5432: the PostgreSQL pass was not run)", flush=True)
    sys.exit(code)


def cmd_messages(args: list[str]) -> None:
    """Refresh locale/*/LC_MESSAGES/django.po from the sources (needs GNU gettext) and compile the .mo
    files in pure Python (polib), so that a machine without gettext can run the app."""
    ensure_venv()
    pkg = ROOT / "integritas"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "integritas.settings",
        "INTEGRITAS_DATA_DIR": str(ROOT / "data"),
    }
    if shutil.which("xgettext") and "--compile-only" not in args:
        subprocess.check_call(
            [
                str(BIN / "django-admin"),
                "makemessages",
                "-l",
                "id",
                "-l",
                "en",
                "--no-obsolete",
                "--no-location",
                "-i",
                "tests/*",
            ],
            cwd=pkg,
            env=env,
        )
    subprocess.check_call([str(PY), "-m", "integritas.i18n_compile"], cwd=ROOT, env=env)


def main() -> None:
    commands = {"demo": cmd_demo, "test": cmd_test, "messages": cmd_messages}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        sys.exit(2)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
