"""The commands an overseer uses, and the stand-alone verifier checked against them.

`lookout checkpoint`, `verify --checkpoint`, `prove` and `checkpoint-key` on the demo; then
`verifier/lookout_verify.py` run as its own process (no ledger import) on what they wrote, intact
and tampered: a verifier tested only on intact data proves nothing (immudb's lesson).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from lookout_ledger.core.auth import Role
from lookout_ledger.core.db import get_engine
from lookout_ledger.demo.load import load_demo
from support.cli_support import ensure_user, invoke_as
from support.keys import TEST_KEY_B64

VERIFIER = Path(__file__).resolve().parent.parent / "verifier" / "lookout_verify.py"
runner = CliRunner()


@pytest.fixture
def url(ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LOOKOUT_SIGNING_KEY_FILE", str(tmp_path / "signing.key"))
    load_demo(ledger, "demo-loader")
    db = ledger.settings.database_url
    ensure_user(db, "ivy", Role.AUDITOR)
    ensure_user(db, "ada", Role.ADMIN)
    ensure_user(db, "pat", Role.PORT_OFFICER)
    return db


def cli(url: str, user: str, *args: str):
    return invoke_as(runner, user, list(args), url=url, env={"LOOKOUT_KEY": TEST_KEY_B64, "COLUMNS": "200"})


def verifier(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(VERIFIER), *map(str, args)], capture_output=True, text=True, check=False)


def _scalar(url: str, sql: str) -> str:
    with get_engine(url).connect() as c:
        return str(c.execute(text(sql)).scalar_one())


def _vkey(url: str) -> str:
    shown = cli(url, "ivy", "checkpoint-key", "show")
    assert shown.exit_code == 0, shown.output
    return shown.stdout.split()[0]


def test_verify_needs_an_oversight_role(url: str) -> None:
    assert cli(url, "pat", "verify").exit_code != 0


def test_verify_checkpoint_and_the_verifier_agree_on_an_intact_log(url: str, tmp_path: Path) -> None:
    kept = tmp_path / "kept.checkpoint"
    made = cli(url, "ivy", "checkpoint", "--out", str(kept))
    assert made.exit_code == 0, made.output
    assert kept.read_text().split("\n")[1].isdigit()
    vkey = _vkey(url)
    ok = cli(url, "ivy", "verify", "--checkpoint", str(kept), "--vkey", vkey)
    assert ok.exit_code == 0, ok.output
    assert "records intact" in ok.stdout and "checkpoint holds" in ok.stdout
    checked = verifier("checkpoint", kept, "--vkey", vkey)
    assert checked.returncode == 0 and checked.stdout.startswith("OK"), checked.stdout

    newer, proof = tmp_path / "newer.checkpoint", tmp_path / "proof.json"
    made = cli(url, "ivy", "checkpoint", "--out", str(newer), "--since", str(kept), "--proof-out", str(proof))
    assert made.exit_code == 0, made.output
    good = verifier("consistency", proof, "--vkey", vkey)
    assert good.returncode == 0, good.stdout


def test_the_verifier_refuses_tampered_consistency_proofs(url: str, tmp_path: Path) -> None:
    kept, newer, proof = tmp_path / "a", tmp_path / "b", tmp_path / "p.json"
    cli(url, "ivy", "checkpoint", "--out", str(kept))
    for _ in range(3):
        assert cli(url, "ivy", "verify").exit_code == 0  # each run is logged: the log grows
    cli(url, "ivy", "checkpoint", "--out", str(newer), "--since", str(kept), "--proof-out", str(proof))
    vkey = _vkey(url)
    bundle = json.loads(proof.read_text())
    assert verifier("consistency", proof, "--vkey", vkey).returncode == 0

    def tampered(change) -> int:  # type: ignore[no-untyped-def]
        b = json.loads(json.dumps(bundle))
        change(b)
        p = tmp_path / "t.json"
        p.write_text(json.dumps(b))
        return verifier("consistency", p, "--vkey", vkey).returncode

    def flip_proof(b: dict) -> None:
        h = b["consistency_proof"][0]
        b["consistency_proof"][0] = ("0" if h[0] != "0" else "1") + h[1:]

    def swap(b: dict) -> None:
        b["old"], b["new"] = b["new"], b["old"]

    def resize(b: dict) -> None:
        lines = b["new"].split("\n")
        lines[1] = str(int(lines[1]) + 1)
        b["new"] = "\n".join(lines)

    assert bundle["consistency_proof"], "the log grew, so there is a proof to tamper with"
    assert tampered(flip_proof) == 1
    assert tampered(swap) == 1  # a log that shrank
    assert tampered(resize) == 1  # the signature no longer covers the text
    assert verifier("consistency", proof, "--vkey", vkey.replace("+", "x+", 1)).returncode in (1, 2)


def test_prove_gives_proofs_the_verifier_accepts_and_tampered_ones_it_refuses(url: str, tmp_path: Path) -> None:
    cli(url, "ivy", "checkpoint")
    lid = _scalar(url, "SELECT min(id) FROM lookouts")
    out = tmp_path / "proof.json"
    proved = cli(url, "ivy", "prove", "lookout", lid, "--out", str(out))
    assert proved.exit_code == 0, proved.output
    vkey = _vkey(url)
    ok = verifier("inclusion", out, "--vkey", vkey)
    assert ok.returncode == 0 and "1 entries proven" in ok.stdout, ok.stdout
    bundle = json.loads(out.read_text())

    def tampered(change) -> int:  # type: ignore[no-untyped-def]
        b = json.loads(json.dumps(bundle))
        change(b["entries"][0])
        p = tmp_path / "t.json"
        p.write_text(json.dumps(b))
        return verifier("inclusion", p, "--vkey", vkey).returncode

    def other_digest(e: dict) -> None:
        e["record_digest"] = "0" * 64

    def edited_leaf(e: dict) -> None:
        fields = json.loads(base64.b64decode(e["leaf"]))
        fields[2] = "someone-else"
        e["leaf"] = base64.b64encode(json.dumps(fields, separators=(",", ":")).encode()).decode()

    def short_path(e: dict) -> None:
        e["log_proof"] = e["log_proof"][:-1]

    def moved(e: dict) -> None:
        e["records_index"] = (e["records_index"] + 1) % e["records_count"] if e["records_count"] > 1 else 5

    for change in (other_digest, edited_leaf, short_path, moved):
        assert tampered(change) == 1, change.__name__
    unknown = cli(url, "ivy", "prove", "lookout", "NO-SUCH-LOOKOUT")
    assert unknown.exit_code != 0


@pytest.mark.tampers
def test_verify_exits_1_and_names_the_record_an_insider_edited(url: str) -> None:
    lid = _scalar(url, "SELECT min(id) FROM lookouts WHERE status_code = 'non_suspect'")
    with get_engine(url).begin() as c:  # an insider's SQL, no application
        c.execute(text("UPDATE lookouts SET status_code = 'suspect' WHERE id = :i"), {"i": lid})
    broken = cli(url, "ivy", "verify", "--json")
    assert broken.exit_code == 1
    report = json.loads(broken.stdout)
    assert report["state"] == [
        {
            "type": "lookout",
            "id": lid,
            "kind": "changed",
            "where": ["lookouts.status_code"],
            "message": f"lookout {lid} was changed outside the application (lookouts.status_code)",
        }
    ]


def test_verify_exits_3_on_a_wrong_key(url: str) -> None:
    wrong = base64.b64encode(bytes(range(1, 33))).decode()
    result = invoke_as(runner, "ivy", ["verify"], url=url, env={"LOOKOUT_KEY": wrong, "COLUMNS": "200"})
    assert result.exit_code == 3 and "wrong key" in result.output and "tamper" in result.output


def test_a_rotated_signing_key_still_verifies_old_checkpoints(url: str, tmp_path: Path) -> None:
    kept = tmp_path / "old"
    cli(url, "ivy", "checkpoint", "--out", str(kept))
    old_vkey = _vkey(url)
    assert cli(url, "ivy", "checkpoint-key", "rotate").exit_code != 0  # admin only
    rotated = cli(url, "ada", "checkpoint-key", "rotate")
    assert rotated.exit_code == 0, rotated.output
    keys = cli(url, "ivy", "checkpoint-key", "show").stdout.split("\n")
    assert any(old_vkey in k for k in keys) and any("(active)" in k and old_vkey not in k for k in keys)
    assert cli(url, "ivy", "verify", "--checkpoint", str(kept)).exit_code == 0
    newer = tmp_path / "new"
    cli(url, "ivy", "checkpoint", "--out", str(newer))
    assert verifier("checkpoint", newer, "--vkey", old_vkey).returncode == 1  # signed by the new key only


def test_the_verifier_and_the_ledger_agree_on_every_small_tree() -> None:
    """Two implementations of RFC 9162's checks, one ours and one the overseer's: same answers,
    for intact proofs and for proofs with one byte changed."""
    import importlib.util

    from lookout_ledger.core import merkle

    spec = importlib.util.spec_from_file_location("lookout_verify", VERIFIER)
    assert spec is not None and spec.loader is not None
    theirs = importlib.util.module_from_spec(spec)
    sys.modules["lookout_verify"] = theirs  # its dataclasses look their module up
    spec.loader.exec_module(theirs)
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(20)]
    for n in range(1, 21):
        root = merkle.root(leaves[:n])
        for i in range(n):
            path = merkle.inclusion_proof(leaves[:n], i)
            bad = [bytes([path[0][0] ^ 1]) + path[0][1:], *path[1:]] if path else path
            for p in (path, bad):
                assert theirs.verify_inclusion(leaves[i], i, n, p, root) == merkle.verify_inclusion(
                    leaves[i], i, n, p, root
                )
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(leaves[:n], m)
            old = merkle.root(leaves[:m])
            assert theirs.verify_consistency(m, n, proof, old, root) is True
            if proof:
                bad = [*proof[:-1], bytes([proof[-1][0] ^ 1]) + proof[-1][1:]]
                assert theirs.verify_consistency(m, n, bad, old, root) is False
