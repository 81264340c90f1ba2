"""The master key through the real command: checked at every start, rotated while a server runs."""

from __future__ import annotations

import json
import stat
import time

import pytest

from integritas.vault import crypto
from integritas.vault.crypto import key_id
from tests.api.http import Http
from tests.factories import PASSWORD
from tests.server import Served
from tests.vault.procs import cli, tool_json

pytestmark = pytest.mark.slow


def kid_of(text: str) -> str:
    return key_id(crypto.decode_master(text)).hex()


def confidential(described: dict) -> dict:
    return {"cases": described["cases"], "totp": described["totp"]}


def test_first_start_then_a_wrong_or_missing_key_stops_every_command(data_dirs):
    data, env = data_dirs("data")
    assert "Sweep:" in cli("sweep", env=env).stdout
    key = data / "master_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    kid = kid_of(key.read_text())
    status = json.loads(cli("keys", "status", env=env).stdout)
    assert status["current"] == status["check"] == kid
    tool_json("populate", "CHK", env=env)

    wrong = {**env, "INTEGRITAS_MASTER_KEY": crypto.generate_master_key_text()}
    for command in (["sweep"], ["audit", "verify"], ["serve", "--port", "1"]):
        done = cli(*command, env=wrong, ok=False)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert "wrong master key" in done.stderr and kid in done.stderr, done.stderr

    key.rename(data / "elsewhere")
    done = cli("sweep", env=env, ok=False)
    assert done.returncode == 2 and "no master key" in done.stderr and kid in done.stderr, done.stderr
    assert not key.exists(), "a new key was generated over existing data"

    (data / "elsewhere").rename(key)
    assert cli("audit", "verify", env=env).returncode == 0


def test_keys_rotate_with_the_key_file(data_dirs):
    data, env = data_dirs("data")
    tool_json("populate", "ROTF", env=env)
    before = tool_json("describe", env=env)
    old_text = (data / "master_key").read_text()

    done = cli("keys", "rotate", "--grace", "0", "--batch", "2", env=env)
    new_text = (data / "master_key").read_text()
    assert new_text != old_text and stat.S_IMODE((data / "master_key").stat().st_mode) == 0o600
    assert not (data / "master_key.previous").exists()
    assert f"{kid_of(old_text)} -> {kid_of(new_text)}" in done.stdout
    # one two-factor secret and the audit key of the old master key
    assert "re-sealed 2 values (two-factor secrets, audit keys)" in done.stdout
    assert "backups made before now" in done.stdout

    assert confidential(tool_json("describe", env=env)) == confidential(before)
    status = json.loads(cli("keys", "status", env=env).stdout)
    assert status["data_keys"] == {kid_of(new_text): len(before["cases"])}
    # the two-factor secret, and the audit keys of the old and the new master key
    assert status["sealed"] == {kid_of(new_text): 3}
    old_only = {**env, "INTEGRITAS_MASTER_KEY": old_text.strip()}
    refused = cli("sweep", env=old_only, ok=False)
    assert refused.returncode == 2 and kid_of(new_text) in refused.stderr
    assert "intact" in cli("audit", "verify", env=env).stdout


def test_keys_rotate_with_the_key_in_the_environment(data_dirs):
    old_text = crypto.generate_master_key_text()
    data, env = data_dirs("data", INTEGRITAS_MASTER_KEY=old_text)
    tool_json("populate", "ROTE", env=env)
    before = tool_json("describe", env=env)

    asked = cli("keys", "rotate", env=env, ok=False)
    assert asked.returncode == 1 and "INTEGRITAS_NEW_MASTER_KEY" in asked.stderr

    new_text = crypto.generate_master_key_text()
    done = cli("keys", "rotate", "--grace", "0", env={**env, "INTEGRITAS_NEW_MASTER_KEY": new_text})
    assert f"set INTEGRITAS_MASTER_KEY to the new key (key id {kid_of(new_text)})" in done.stdout
    assert "INTEGRITAS_MASTER_KEY_PREVIOUS" in done.stdout
    assert not (data / "master_key").exists()

    switched = {**env, "INTEGRITAS_MASTER_KEY": new_text}
    assert confidential(tool_json("describe", env=switched)) == confidential(before)
    refused = cli("sweep", env=env, ok=False)
    assert refused.returncode == 2 and kid_of(new_text) in refused.stderr


def test_a_running_server_keeps_working_through_a_rotation(tmp_path, data_dirs):
    data, env = data_dirs("data")
    populated = tool_json("populate", "SRV", env=env)
    with Served(env, tmp_path / "serve.log") as server:
        server.wait_ready()
        http = Http(server.base)
        team = http.token("schoolteam", PASSWORD)

        def read_all() -> dict[str, str]:
            seen = {}
            for ref in populated["references"]:
                r = http.get(f"/api/v1/cases/{ref}", token=team)
                assert r.status == 200, (ref, r.status, r.body, server.output)
                seen[ref] = r.json()["description"]
                for item in r.json()["evidence"]:
                    file = http.get(f"/api/v1/cases/{ref}/evidence/{item['id']}", token=team)
                    assert file.status == 200 and file.body.startswith(b"%PDF"), server.output
            return seen

        before = read_all()
        cli("keys", "rotate", "--grace", "1", "--batch", "1", env=env)
        assert read_all() == before  # the server met the new key id and reloaded the key file
        r = http.post("/api/v1/reports", {**_report(), "description": "after the rotation"})
        assert r.status == 201, r.body
        time.sleep(0.5)  # let the last request's thread finish before the signal
        served = server.output
        assert "Traceback" not in served and "VaultError" not in served, served
        assert server.stop() == 0, server.output

    status = json.loads(cli("keys", "status", env=env).stdout)
    new_id = kid_of((data / "master_key").read_text())
    assert status["data_keys"] == {new_id: len(before) + 1}, (
        "the server wrapped with the old key after the switch"
    )
    described = tool_json("describe", env=env)
    assert described["cases"][-1]["report"]["description"] == "after the rotation"


def _report() -> dict:
    from tests.factories import report_data

    return report_data("SMPN1", "GURU")
