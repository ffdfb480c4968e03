"""Keyed audit checkpoints: the chain's head signed outside the database, so that a chain
edited and recomputed by someone with database write access no longer passes as intact."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.utils import timezone

from accounts import audit, audit_checkpoints, checkpoint_keys, tasks
from accounts.audit_checkpoints import Checkpoint, CheckpointSet
from accounts.models import AuditChainHead, AuditCheckpoint, AuditEntry
from tests.factories import UserFactory

INTERVAL = timedelta(minutes=10)


@pytest.fixture
def checkpoint_dir(tmp_path, settings):
    """A production-like set-up: a key made beforehand (no key generated on the fly), its
    public key in the public-key folder, the append-only file; all outside the database."""
    settings.AUDIT_CHECKPOINT_KEY_FILE = str(tmp_path / "keys" / "signing-key.pem")
    settings.AUDIT_CHECKPOINT_PUBLIC_KEYS = str(tmp_path / "public-keys")
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")
    settings.AUDIT_CHECKPOINT_KEY_AUTOCREATE = False
    settings.AUDIT_CHECKPOINT_MINUTES = 10
    checkpoint_keys.key_generate(
        settings.AUDIT_CHECKPOINT_KEY_FILE, public_dir=settings.AUDIT_CHECKPOINT_PUBLIC_KEYS
    )
    return tmp_path


def add_entries(n: int) -> list[AuditEntry]:
    actor = UserFactory()
    entries = [audit.record(actor, "test.event", actor, None, {"n": i}) for i in range(n)]
    audit.seal()
    return [AuditEntry.objects.get(pk=e.pk) for e in entries]


def rewrite_and_recompute(seq: int, **changes) -> None:
    """Exactly what someone with database write access would do: edit one sealed entry,
    recompute its hash and every later one, and move the head to the new end."""
    AuditEntry.objects.filter(seq=seq).update(**changes)
    prev = AuditEntry.objects.get(seq=seq).prev_hash
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        entry.prev_hash = prev
        entry.hash = prev = audit._hash_of(entry, prev)
        entry.save(update_fields=["prev_hash", "hash"])
    AuditChainHead.objects.filter(pk=1).update(last_hash=prev)


def file_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.django_db
def test_the_sealer_writes_a_signed_checkpoint_once_the_interval_has_passed(checkpoint_dir):
    add_entries(3)
    tasks.audit_seal()  # the beat job: seal, then checkpoint (the first one is due at once)
    first = AuditCheckpoint.objects.get()
    head = AuditChainHead.objects.get()
    assert (first.seq, first.hash) == (3, head.last_hash)
    keys = checkpoint_keys.public_keys()
    assert first.key_id in keys
    assert Checkpoint.from_row(first).signed_by(keys)

    add_entries(2)
    assert audit_checkpoints.checkpoint_write(now=first.at + INTERVAL / 2) is None
    second = audit_checkpoints.checkpoint_write(now=first.at + INTERVAL)
    assert second is not None and second.seq == 5
    assert audit_checkpoints.checkpoint_write(now=first.at + 3 * INTERVAL) is None  # no move
    report = audit.verify_chain()
    assert report.ok and report.checkpoints_checked == 2 and report.last_checkpoint_seq == 5


@pytest.mark.django_db
def test_the_commands_sign_a_checkpoint_now_and_verify_against_it(checkpoint_dir, capsys):
    add_entries(2)
    audit_checkpoints.checkpoint_write()
    add_entries(1)  # not due for ten minutes, but an operator may sign one now
    call_command("audit_checkpoint")
    assert list(AuditCheckpoint.objects.values_list("seq", flat=True)) == [3, 2]
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "intact: 3 entries" in out and "2 checkpoints agree" in out and "file" in out


@pytest.mark.django_db
def test_each_checkpoint_is_appended_as_one_json_line(checkpoint_dir):
    add_entries(2)
    first = audit_checkpoints.checkpoint_write()
    add_entries(1)
    second = audit_checkpoints.checkpoint_write(now=first.at + INTERVAL)
    lines = file_lines(checkpoint_dir / "checkpoints.jsonl")
    assert [(line["seq"], line["hash"]) for line in lines] == [
        (first.seq, first.hash),
        (second.seq, second.hash),
    ]
    keys = checkpoint_keys.public_keys()
    assert all(Checkpoint.from_dict(line).signed_by(keys) for line in lines)


@pytest.mark.django_db
def test_a_rewritten_and_recomputed_chain_is_caught_at_the_first_checkpoint_it_contradicts(
    checkpoint_dir,
):
    add_entries(3)
    early = audit_checkpoints.checkpoint_write()  # entries 1–3
    add_entries(3)
    later = audit_checkpoints.checkpoint_write(now=early.at + INTERVAL)  # entries 1–6
    add_entries(2)

    rewrite_and_recompute(5, data={"n": 999}, actor_repr="someone-else")
    AuditCheckpoint.objects.all().delete()  # and the database's own copies go too

    # The hash chain alone is fooled: it recomputes cleanly.
    assert audit.verify_chain(checkpoints=CheckpointSet()).ok
    report = audit.verify_chain()
    assert not report.ok
    assert report.broken_id is None
    assert report.checkpoint_problem == audit_checkpoints.CONTRADICTED
    assert (report.checkpoint_seq, report.checkpoint_at) == (later.seq, later.at)
    assert report.checkpoint_source == "file"
    assert report.checkpoints_checked == 1  # entries 1–3 still agree with the early one
    assert report.last_verified_id == AuditEntry.objects.get(seq=3).pk
    with pytest.raises(CommandError, match=r"checkpoint #6 .*contradicted"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_a_database_checkpoint_signed_with_another_key_is_reported(checkpoint_dir, tmp_path):
    add_entries(3)
    audit_checkpoints.checkpoint_write()
    add_entries(2)
    # Someone makes a key of their own and slips a checkpoint of the head into the table.
    own_key = checkpoint_keys.key_generate(tmp_path / "intruder.pem")
    head = AuditChainHead.objects.get()
    forged = Checkpoint(
        source="portal",
        seq=head.last_seq,
        hash=head.last_hash,
        at=timezone.now(),
        key_id=checkpoint_keys.key_id(own_key.public_key()),
        signature="",
    )
    signature = base64.b64encode(own_key.sign(forged.signed_bytes())).decode()
    AuditCheckpoint.objects.create(
        seq=forged.seq,
        hash=forged.hash,
        at=forged.at,
        key_id=forged.key_id,
        signature=signature,
    )
    report = audit.verify_chain()
    assert not report.ok
    assert report.checkpoint_problem == audit_checkpoints.FORGED
    assert (report.checkpoint_seq, report.checkpoint_source) == (5, "database")


@pytest.mark.django_db
def test_after_a_key_rotation_old_checkpoints_verify_with_the_old_public_key(
    checkpoint_dir, settings
):
    add_entries(3)
    old = audit_checkpoints.checkpoint_write()
    # Rotation: a new key, its public key beside the old one, the old private key gone.
    old_key_file = settings.AUDIT_CHECKPOINT_KEY_FILE
    settings.AUDIT_CHECKPOINT_KEY_FILE = str(checkpoint_dir / "keys" / "signing-key-2.pem")
    checkpoint_keys.key_generate(
        settings.AUDIT_CHECKPOINT_KEY_FILE, public_dir=settings.AUDIT_CHECKPOINT_PUBLIC_KEYS
    )
    (checkpoint_dir / "keys" / "signing-key.pem").unlink()
    assert old_key_file.endswith("signing-key.pem")
    add_entries(2)
    new = audit_checkpoints.checkpoint_write(now=old.at + INTERVAL)
    assert new.key_id != old.key_id
    report = audit.verify_chain()
    assert report.ok and report.checkpoints_checked == 2

    # Without the old public key, the old checkpoints could no longer be trusted.
    (checkpoint_dir / "public-keys" / f"{old.key_id}.pem").unlink()
    report = audit.verify_chain()
    assert report.checkpoint_problem == audit_checkpoints.FORGED
    assert report.checkpoint_seq == old.seq


@pytest.mark.django_db
def test_a_checkpoint_beyond_the_chains_end_reports_the_truncation(checkpoint_dir):
    add_entries(5)
    checkpoint = audit_checkpoints.checkpoint_write()
    # Delete the last two entries and set the head back, as a careful intruder would.
    AuditEntry.objects.filter(seq__gt=3).delete()
    third = AuditEntry.objects.get(seq=3)
    AuditChainHead.objects.filter(pk=1).update(last_seq=3, last_id=third.pk, last_hash=third.hash)
    assert audit.verify_chain(checkpoints=CheckpointSet()).ok
    report = audit.verify_chain()
    assert report.checkpoint_problem == audit_checkpoints.TRUNCATED
    assert (report.checkpoint_seq, report.checkpoint_at) == (5, checkpoint.at)


@pytest.mark.django_db
def test_a_database_checkpoint_missing_from_the_file_is_reported(checkpoint_dir):
    add_entries(2)
    checkpoint = audit_checkpoints.checkpoint_write()
    (checkpoint_dir / "checkpoints.jsonl").write_text("")
    report = audit.verify_chain()
    assert report.checkpoint_problem == audit_checkpoints.MISSING
    assert report.checkpoint_seq == checkpoint.seq


@pytest.mark.django_db
def test_without_a_key_production_writes_nothing_and_the_check_fails(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_KEY_FILE = str(tmp_path / "absent.pem")
    settings.AUDIT_CHECKPOINT_KEY_AUTOCREATE = False
    settings.AUDIT_CHECKPOINT_REQUIRED = True
    add_entries(2)
    tasks.audit_seal()  # logs audit_checkpoint_unconfigured, goes on sealing
    assert not AuditCheckpoint.objects.exists()
    report = audit.verify_chain()
    assert not report.ok and report.checkpoint_problem == audit_checkpoints.UNCONFIGURED


@pytest.mark.django_db
def test_development_makes_its_key_on_first_use(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_KEY_FILE = str(tmp_path / "dev" / "signing-key.pem")
    settings.AUDIT_CHECKPOINT_PUBLIC_KEYS = str(tmp_path / "dev" / "public-keys")
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "dev" / "checkpoints.jsonl")
    add_entries(1)
    checkpoint = audit_checkpoints.checkpoint_write()
    assert (tmp_path / "dev" / "signing-key.pem").stat().st_mode & 0o077 == 0
    assert (tmp_path / "dev" / "public-keys" / f"{checkpoint.key_id}.pem").exists()
    assert audit.verify_chain().ok


# --- the central store as the witness, over real HTTP ----------------------------------------


@pytest.fixture
def central(live_server, settings, tmp_path):
    """The central store's API on a loopback port, one credential file for both sides."""
    from central.auth import key_ring_forget
    from tests.closure_sync.helpers import credential, write_credentials

    path = write_credentials(tmp_path / "central.ini", credential())
    settings.CLOSURE_CREDENTIALS_FILE = settings.CENTRAL_CREDENTIALS_FILE = str(path)
    settings.CLOSURE_CENTRAL_URL = live_server.url
    settings.AUDIT_CHECKPOINT_CENTRAL = True
    key_ring_forget()
    yield live_server
    key_ring_forget()
    with connections["central"].cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.mark.django_db(transaction=True, databases=["default", "central"])
def test_the_central_store_receives_each_checkpoint_through_the_outbox(checkpoint_dir, central):
    from central.models import CentralAuditCheckpoint
    from closure_sync.audit_witness import checkpoint_push
    from core.outbox.models import OutboxMessage, OutboxState

    add_entries(3)
    tasks.audit_seal()  # commits the checkpoint and its outbox row; delivered at commit
    sent = AuditCheckpoint.objects.get()
    message = OutboxMessage.objects.get(kind=audit_checkpoints.OUTBOX_KIND)
    assert message.key == f"audit.checkpoint:portal:{sent.seq}"
    assert message.state == OutboxState.SENT, message.last_error
    kept = CentralAuditCheckpoint.objects.using("central").get(source="portal")
    assert (kept.seq, kept.hash, kept.signature) == (sent.seq, sent.hash, sent.signature)
    checkpoint_push(message)  # a delivery repeated after a crash changes nothing
    assert CentralAuditCheckpoint.objects.using("central").count() == 1

    add_entries(2)
    rewrite_and_recompute(2, target_repr="sửa lén")
    AuditCheckpoint.objects.all().delete()
    (checkpoint_dir / "checkpoints.jsonl").unlink()  # even the local file is gone
    report = audit.verify_chain()
    assert report.checkpoint_sources == ("file", "central")
    assert report.checkpoint_problem == audit_checkpoints.CONTRADICTED
    assert (report.checkpoint_seq, report.checkpoint_source) == (3, "central")


# --- the viewer ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_viewer_runs_the_check_audited_and_names_the_contradicted_checkpoint(
    checkpoint_dir, people, client
):
    from django.urls import reverse

    add_entries(3)
    checkpoint = audit_checkpoints.checkpoint_write()
    rewrite_and_recompute(2, target_repr="sửa lén")

    client.force_login(people.hn_admin)  # provincial admins run it too (issue 23)
    page = client.get(reverse("accounts:audit")).content.decode()
    assert reverse("accounts:audit_verify") in page

    client.force_login(people.central_it)
    assert (
        reverse("accounts:audit_verify") in client.get(reverse("accounts:audit")).content.decode()
    )
    client.post(reverse("accounts:audit_verify"))
    ran = AuditEntry.objects.get(action="audit.chain_checked")
    assert ran.actor == people.central_it
    assert ran.data["checkpoint_problem"] == "contradicted"
    assert ran.data["checkpoint_seq"] == checkpoint.seq
    page = client.get(reverse("accounts:audit")).content.decode()
    assert f"mốc #{checkpoint.seq}" in page and 'data-testid="checkpoint-problem"' in page
    assert "bản ghi đã bị sửa" in page
