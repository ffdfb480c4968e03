"""Our XSDs load safely when the first submissions of a process arrive together."""

import threading

from declarations.employers.pki import parsing
from declarations.employers.registration_form import SCHEMA as FORM_04
from declarations.intake.envelope import SCHEMAS


def test_concurrent_first_loads_compile_each_schema_once(monkeypatch):
    monkeypatch.setattr(parsing, "_schemas", {})
    paths = [*sorted(SCHEMAS.glob("*.xsd")), FORM_04]
    results, errors = [], []
    barrier = threading.Barrier(8)

    def load():
        barrier.wait()
        try:
            results.append([parsing.xml_schema(p) for p in paths])
        except Exception as exc:  # noqa: BLE001  (collected and asserted below)
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # Every thread got the very same compiled schema objects.
    assert all(r == results[0] for r in results) and len(results) == 8
    assert all(a is b for r in results for a, b in zip(r, results[0], strict=True))
