"""Dates as dd/mm/yyyy and money as 1.234.567 đ."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template

from portal.templatetags.vn import ngay, ngaygio, vnd


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1234567, "1.234.567\u00a0đ"),
        (Decimal("2340000.4"), "2.340.000\u00a0đ"),
        (0, "0\u00a0đ"),
        (-5000, "-5.000\u00a0đ"),
        (None, ""),
        ("abc", ""),
    ],
)
def test_vnd(value, shown):
    assert vnd(value) == shown


def test_ngay_shows_dates_and_local_dates_of_utc_times():
    assert ngay(date(2015, 10, 1)) == "01/10/2015"
    # 17:30 UTC on 30/09 is already 01/10 in Hà Nội.
    assert ngay(datetime(2015, 9, 30, 17, 30, tzinfo=UTC)) == "01/10/2015"
    assert ngaygio(datetime(2015, 9, 30, 17, 30, tzinfo=UTC)) == "01/10/2015 00:30"


def test_filters_in_a_template():
    out = Template("{% load vn %}{{ d|ngay }} {{ m|vnd }}").render(
        Context({"d": date(2016, 3, 31), "m": 4960000})
    )
    assert out == "31/03/2016 4.960.000\u00a0đ"
