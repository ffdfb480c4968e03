"""The directors' report names each channel in the reader's language, never by its code
("portal" was a column heading)."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.declarations.review_world import World, dossier_make, staff

pytestmark = pytest.mark.usefixtures("reference_data")
REPORT = "/quan-ly/bao-cao-dinh-ky/"


def test_channel_columns_are_headed_by_their_names(client):
    world = World()
    dossier_make(world.unit_a, procedure="600")
    dossier_make(world.unit_a, procedure="600a", channel="ivan")
    today = timezone.localdate()
    period = f"?from={(today - timedelta(days=7)).isoformat()}&to={today.isoformat()}"
    client.force_login(staff("75", "provincial_admin"))
    page = client.get(REPORT + period, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    head = page.split('data-testid="offices"')[1].split("</thead>")[0]
    assert "Cổng giao dịch (trình duyệt)" in head and "Nhà cung cấp I-VAN" in head
    assert ">portal<" not in head and ">ivan<" not in head
    book = load_workbook(BytesIO(client.get(REPORT + "xlsx" + period).content))
    headings = list(book.active.iter_rows(values_only=True))[1]
    assert not any(str(h).endswith((" portal", " ivan")) for h in headings)
    assert any("Cổng giao dịch (trình duyệt)" in str(h) for h in headings)
