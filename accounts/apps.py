from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import audit as core_audit
from core import navigation
from core.navigation import NavItem


class AccountsConfig(AppConfig):
    """Users, offices (cơ quan BHXH), roles, scoping and the audit log (nhật ký)."""

    name = "accounts"
    verbose_name = "Tài khoản và cơ quan"

    def ready(self):
        # Imported here: models load only once the app registry is ready.

        # agency_signing: the agency signature's refusal codes (the national report's PDF);
        # signals: the login audit receivers; sso_provider: the SSO refusal codes;
        # connectors: the SCIM outbox handler and the manual tasks' refusal codes.
        from core import agency_signing  # noqa: F401

        from . import audit, connectors, signals, sso_provider  # noqa: F401

        core_audit.recorder_install(audit.record)

        for item in (
            NavItem(
                _("Staff accounts"),
                "accounts:staff",
                "accounts.manage_staff",
                _("Accounts of your province, their application rights and locks."),
            ),
            NavItem(
                _("Personnel decisions"),
                "accounts:decisions",
                "accounts.manage_staff",
                _("Lock accounts or move rights on the decision's effective date."),
            ),
            NavItem(
                _("Dormant accounts"),
                "accounts:dormant",
                "accounts.manage_staff",
                _("Accounts with no login for 90 days; lock them in one click."),
            ),
            NavItem(
                _("Account changes in the applications"),
                "accounts:connector_tasks",
                "accounts.manage_staff",
                _("Accounts to disable or move by hand in applications without a connector."),
            ),
            NavItem(
                _("Outside accounts"),
                "accounts:outside",
                "accounts.manage_staff",
                _("Request accounts for outside persons and organisations."),
            ),
            NavItem(
                _("Approve outside accounts"),
                "accounts:outside_approvals",
                "accounts.approve_outside_account",
                _("Requests for outside accounts waiting for your approval."),
            ),
            NavItem(
                _("Quarterly account reports"),
                "accounts:reports",
                "accounts.manage_staff",
                _("Accounts added, locked or changed per application, for central IT."),
            ),
            NavItem(
                _("Reports not yet submitted"),
                "accounts:reports_missing",
                "accounts.view_account_reports",
                _("Provinces whose quarterly account report is missing."),
            ),
            NavItem(
                _("Consolidated account reports"),
                "accounts:reports_national",
                "accounts.view_account_reports",
                _("National summary of the provinces' quarterly reports: .xlsx and PDF."),
            ),
            NavItem(
                _("Data extraction requests"),
                "accounts:data_requests",
                "accounts.request_data_extraction",
                _("Ask central IT for data, with the official letter."),
            ),
            NavItem(
                _("Data requests to decide"),
                "accounts:data_requests_decide",
                "accounts.approve_data_request",
                _("Approve data extraction requests."),
            ),
            NavItem(
                _("Data requests to fulfil"),
                "accounts:data_requests_fulfil",
                "accounts.fulfil_data_request",
                _("Attach the export to approved requests."),
            ),
            NavItem(
                _("Audit log"),
                "accounts:audit",
                "accounts.view_audit",
                _("Who did what, when; export and chain check."),
            ),
        ):
            navigation.register(item)
