"""The demo office queue: dossiers in every state, flagged as the receiving officer sees
them, seeded once."""

import pytest

from accounts.selectors import office_resolve
from declarations.dossiers.models import Dossier
from declarations.review.models import PostDispatch
from demo.review import review_demo_seed
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.usefixtures("reference_data")
QUEUE = "/quan-ly/tiep-nhan/"


def test_the_demo_queue_has_dossiers_in_every_state(client):
    officer = UserFactory(full_name="Lê Thu Hà")
    grant(officer, "receiving_officer", office_resolve("0101"))
    assert review_demo_seed(actor=officer) == 6
    assert review_demo_seed(actor=officer) == 0
    states = set(
        Dossier.objects.filter(transaction_code__startswith="DEMO-RV-").values_list(
            "status", flat=True
        )
    )
    assert states == {"received", "in_review", "supplement_requested", "accepted", "rejected"}
    client.force_login(officer)
    flags = {d.transaction_code: d.flag for d in client.get(QUEUE).context["page"]}
    assert flags["DEMO-RV-01"] == "overdue"
    assert flags["DEMO-RV-04"] == "paused"
    assert PostDispatch.objects.filter(dossier__transaction_code="DEMO-RV-05").exists()
