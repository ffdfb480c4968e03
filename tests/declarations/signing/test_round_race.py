"""A token round is read without a row lock and written only if the session is still in the
state and the start it was read in: of two posts of the same round, or a post racing a new
start, one wins and the other is refused; the dossier is claimed once."""

from __future__ import annotations

import pytest

from declarations.signing import services
from declarations.signing.models import SigningSession, State
from tests.declarations.conftest import dossier_xml
from tests.declarations.signing.test_hash_then_sign import DigestSigner
from tests.factories import employer_user


@pytest.fixture
def started(employer, demo_pki):
    user = employer_user(employer)
    token = DigestSigner(demo_pki.good)
    session = services.signing_prepare(user=user, employer=employer, data=dossier_xml(employer))
    step = services.signing_start(
        user=user, session_id=session.pk, method="token", certificate_der=token.der
    )
    return user, token, session, step


def _read(user, session):
    read = services.session_get(user=user, session_id=session.pk)
    read.read_state, read.read_expires = read.state, read.expires_at
    return read


def test_two_posts_of_the_last_round_claim_once(started):
    user, token, session, step = started
    step = services.signing_round_complete(
        user=user, session_id=session.pk, round_no=1, signatures=token.sign(step.digests)
    )
    values = token.sign(step.digests)
    first, second = _read(user, session), _read(user, session)  # both read in round 2
    claimed = services._round_accept(first, round_no=2, values=values)
    assert claimed.session.state == State.SUBMITTING
    with pytest.raises(services.SigningRefused) as refused:
        services._round_accept(second, round_no=2, values=values)
    assert refused.value.code == "signing.session_used"
    assert SigningSession.objects.get(pk=session.pk).state == State.SUBMITTING


def test_a_round_read_before_a_new_start_is_refused(started):
    user, token, session, step = started
    stale = _read(user, session)  # round 1, of the first start
    services.signing_start(
        user=user, session_id=session.pk, method="token", certificate_der=token.der
    )
    with pytest.raises(services.SigningRefused) as refused:
        services._round_accept(stale, round_no=1, values=token.sign(step.digests))
    assert refused.value.code == "signing.session_state"
    assert SigningSession.objects.get(pk=session.pk).state == State.ROUND1
