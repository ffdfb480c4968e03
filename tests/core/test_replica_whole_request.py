"""A page marked ``replica_reads`` reads its whole request from the replica — the session
and the signed-in user too, not only its view's queries — so it still answers while the
primary is down (proven with real servers in tests/faults/test_multinode.py); unmarked
pages and a browser that has just written read them from the primary."""

from django.urls import reverse

from tests.core.test_db_routing import (  # noqa: F401  (the replica alias, per module)
    DASHBOARD,
    Queries,
    _fresh_probe,
    _replica_alias,
    replica,
    world,
)

SESSION_READ = 'FROM "django_session"'
USER_READ = 'FROM "accounts_user"'


@replica
def test_a_marked_page_reads_its_session_and_user_from_the_replica(client, world):  # noqa: F811
    client.force_login(world.officer_a)
    with Queries() as q:
        assert client.get(DASHBOARD).status_code == 200
    assert q.on_replica(SESSION_READ) == 1 and q.on_primary(SESSION_READ) == 0
    assert q.on_replica(USER_READ) >= 1 and q.on_primary(USER_READ) == 0


@replica
def test_unmarked_and_pinned_requests_read_them_from_the_primary(client, world):  # noqa: F811
    client.force_login(world.officer_a)
    with Queries() as q:
        assert client.get(reverse("district:review_queue")).status_code == 200
    assert q.on_primary(SESSION_READ) == 1 and q.on_replica(SESSION_READ) == 0

    client.post(reverse("accounts:login"), {"username": "x", "password": "y"})  # pins
    with Queries() as q:
        assert client.get(DASHBOARD).status_code == 200
    assert q.on_primary(SESSION_READ) == 1 and q.on_replica(SESSION_READ) == 0
