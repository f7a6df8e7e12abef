"""A witness, run by a third party against the live server, cosigns a genuine history and refuses a
rewritten one.

Personas: a witness (its own machine: only the public endpoints and its state folder); the
platform's admin who registered it; an attacker with database access who rewrites history and has
the platform sign the result.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from audit.checkpoints import audit_checkpoint_create
from audit.models import CheckpointCosignature
from audit.witness_client import load_or_create_key, witness_public_key
from audit.witnesses import witness_register
from tests.audit_custody import cut_tail, past_the_guard, rewrite_history, sql, use_own_audit_keys
from tests.factories import make_actor, make_admin


@pytest.fixture
def platform(settings, tmp_path, committed_db, live_server):
    use_own_audit_keys(settings, tmp_path / "platform")
    settings.AUDIT_CHECKPOINT_EVERY_ENTRIES = 100_000  # checkpoints only when the test makes them
    make_actor("actor")
    audit_checkpoint_create()
    return live_server.url


@pytest.fixture
def witness_state(tmp_path) -> Path:
    """The witness's folder, and its key registered by the platform's admin."""
    state = tmp_path / "witness"
    key = load_or_create_key(state / "witness-key.pem")
    witness_register(name="Witness Org", public_key_b64=witness_public_key(key), actor=make_admin().user)
    return state


def witness(url: str, state: Path) -> dict:
    out = io.StringIO()
    call_command("audit_witness", url, "--state", str(state), "--post", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_witness_cosigns_a_genuine_history_and_refuses_a_rewritten_one(platform, witness_state):
    first = witness(platform, witness_state)
    assert (first["outcome"], first["posted"]["cosigned_by"]) == ("first", 1)

    make_actor("second")
    audit_checkpoint_create()
    grown = witness(platform, witness_state)
    assert grown["outcome"] == "consistent" and grown["previous_tree_size"] == first["tree_size"]
    assert grown["tree_size"] > first["tree_size"]
    assert CheckpointCosignature.objects.filter(checkpoint__tree_size=grown["tree_size"]).count() == 1

    kept = (witness_state / "checkpoint.json").read_text()
    rewrite_history(seq=3)
    make_actor("third")  # a new head, which the platform signs in good faith
    forged = audit_checkpoint_create()
    with pytest.raises(CommandError, match="inconsistent"):
        witness(platform, witness_state)
    assert (witness_state / "checkpoint.json").read_text() == kept, "the witness keeps what it verified"
    rejected = list((witness_state / "rejected").iterdir())
    assert len(rejected) == 1 and json.loads(rejected[0].read_text())["offered"]["signed_tree_head"]["tree_size"] == (
        forged.tree_size
    )
    assert not CheckpointCosignature.objects.filter(checkpoint=forged).exists()


def test_the_witness_refuses_a_log_rolled_back_behind_what_it_kept(platform, witness_state):
    kept = witness(platform, witness_state)
    cut_tail(after_seq=kept["tree_size"] - 3)
    with past_the_guard():
        sql("DELETE FROM audit_checkpoint_cosignature")
        sql("DELETE FROM audit_checkpoint")
        sql("DELETE FROM audit_merkle_node")
    audit_checkpoint_create()  # the platform signs the shortened log in good faith
    with pytest.raises(CommandError, match="rollback"):
        witness(platform, witness_state)
