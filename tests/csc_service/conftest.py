from tests.csc_service.fixtures import csc_enrolled, csc_pki, csc_service  # noqa: F401
