"""Reference data of the I-VAN app: the six providers under contract in 2015."""

from datetime import date

from declarations.employers.models import Provider
from ivan.models import Contract

PROVIDERS_2015 = [
    ("VNPT", "VNPT-Vinaphone", "https://vnpt.com.vn", "01/2015/HĐ-IVAN"),
    ("TS24", "Công ty CP TS24", "https://ts24.com.vn", "02/2015/HĐ-IVAN"),
    ("THAISON", "Công ty CP Công nghệ Thái Sơn", "https://thaison.vn", "03/2015/HĐ-IVAN"),
    ("EFY", "Công ty CP Công nghệ Tin học EFY Việt Nam", "https://efy.com.vn", "04/2015/HĐ-IVAN"),
    ("BKAV", "Công ty CP BKAV", "https://bkav.com.vn", "05/2015/HĐ-IVAN"),
    (
        "VIETTEL",
        "Tập đoàn Công nghiệp – Viễn thông Quân đội (Viettel)",
        "https://viettel.vn",
        "06/2015/HĐ-IVAN",
    ),
]
CONTRACTS_FROM = date(2015, 5, 1)


def ensure_providers_2015(provider_model=None, contract_model=None) -> None:
    """Create the 2015 providers and their contracts if missing (idempotent)."""
    if provider_model is None:
        provider_model, contract_model = Provider, Contract
    for code, name, website, number in PROVIDERS_2015:
        provider, _ = provider_model.objects.get_or_create(
            code=code, defaults={"name": name, "website": website}
        )
        contract_model.objects.get_or_create(
            provider=provider,
            number=number,
            defaults={"valid_from": CONTRACTS_FROM, "state": "active"},
        )
