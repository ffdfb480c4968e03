"""A hand-made world for adoption figures, on 15/06/2026 (figures counted by hand).

Đồng Nai: 7501 Biên Hòa 4/6 electronic today, 7502 Long Khánh (employers still filed
under the old district 732) 2/4 → 6/10 = 60.0 %. HCMC: 7901 1/4, 7902 0/1 → 1/5 = 20.0 %.
Hà Nội 0101: 0/2. National: 7/17 = 41.2 %.
"""

from datetime import date

from accounts.selectors import office_resolve
from declarations.adoption.models import AdoptionTarget, EmployerAssignment
from tests.factories import EmployerFactory, UserFactory, grant

TODAY = date(2026, 6, 15)


def emp(code, office, registered=None, stopped=None):
    return EmployerFactory(
        unit_code=code,
        managing_office=office,
        e_status="active" if registered else "not_registered",
        e_registered_on=registered,
        e_stopped_on=stopped,
    )


def build():
    o = office_resolve
    bien_hoa, long_khanh_old = o("7501"), o("732", on=date(2016, 1, 1))
    e = {
        "E1": emp("DN0001A", bien_hoa, date(2025, 1, 10)),
        "E2": emp("DN0002A", bien_hoa, date(2025, 6, 1)),
        "E3": emp("DN0003A", bien_hoa, date(2026, 2, 1)),
        "E4": emp("DN0004A", bien_hoa, date(2026, 3, 1), stopped=date(2026, 5, 1)),
        "E5": emp("DN0005A", bien_hoa),
        "E6": emp("DN0006A", bien_hoa, date(2026, 6, 15)),
        "F1": emp("DN0101A", long_khanh_old, date(2024, 1, 1)),
        "F2": emp("DN0102A", long_khanh_old, date(2024, 1, 1), stopped=date(2026, 6, 15)),
        "F3": emp("DN0103A", long_khanh_old, date(2026, 1, 31)),
        "F4": emp("DN0104A", long_khanh_old),
        "H1": emp("HCM001A", o("7901"), date(2025, 1, 1)),
        "H2": emp("HCM002A", o("7901")),
        "H3": emp("HCM003A", o("7901")),
        "H4": emp("HCM004A", o("7901")),
        "H5": emp("HCM005A", o("7902")),
        "N1": emp("HN0001A", o("0101")),
        "N2": emp("HN0002A", o("0101")),
    }
    officers = {
        "A": UserFactory(username="thu_a", full_name="Cán bộ A"),
        "B": UserFactory(username="thu_b", full_name="Cán bộ B"),
        "C": UserFactory(username="thu_c", full_name="Cán bộ C"),
        "D": UserFactory(username="thu_d", full_name="Cán bộ D"),
    }
    for key in "ABC":
        grant(officers[key], "collection_officer", bien_hoa, valid_from=date(2025, 7, 1))
    grant(officers["D"], "collection_officer", o("7502"), valid_from=date(2025, 7, 1))
    for officer, units in (("A", "E1 E4 E5"), ("B", "E2 E3 E6"), ("D", "F4")):
        for unit in units.split():
            EmployerAssignment.objects.create(employer=e[unit], officer=officers[officer])
    dong_nai, hcmc = o("75"), o("79")
    AdoptionTarget.objects.create(office=dong_nai, share=50, due_on=date(2026, 3, 31))
    AdoptionTarget.objects.create(office=dong_nai, share=90, due_on=date(2026, 9, 30))
    AdoptionTarget.objects.create(office=hcmc, share=90, due_on=date(2026, 3, 31))
    AdoptionTarget.objects.create(
        office=bien_hoa, officer=officers["A"], share=80, due_on=date(2026, 12, 31)
    )
    return e, officers
