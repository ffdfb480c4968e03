"""What each audit action code means, in words (the audit viewer and its export).

The codes stay as they were written (the entries are hash-chained); here they get a label
in the reader's language. Every app's codes are listed here, as data: a label needs no
import of the app that writes the code. A code without a label is shown by its family
("closure.…": closure records) and, always, the code itself."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    # accounts: sign-in, second factor, passwords
    "login.succeeded": _("Signed in"),
    "login.failed": _("Sign-in failed"),
    "login.logged_out": _("Signed out"),
    "login.sso_refused": _("Single sign-on refused"),
    "otp.enrolled": _("Second factor enrolled"),
    "otp.enrolment_failed": _("Second factor enrolment failed"),
    "otp.verified": _("Second factor code accepted"),
    "otp.failed": _("Second factor code refused"),
    "password.changed": _("Password changed"),
    "password.reset_requested": _("Password reset e-mail requested"),
    "password.reset_completed": _("Password set from an e-mailed link"),
    # accounts: accounts, roles and rights
    "account.created": _("Account created"),
    "account.locked": _("Account locked"),
    "account.reactivated": _("Account opened again"),
    "user.created": _("User created (administration)"),
    "user.changed": _("User changed (administration)"),
    "role.granted": _("Role granted"),
    "role.changed": _("Role changed"),
    "role.ended": _("Role ended"),
    "role.removed": _("Role removed"),
    "application.granted": _("Application rights granted"),
    "application.ended": _("Application rights ended"),
    "rights.transferred": _("Rights moved to the new office"),
    "application_account.confirmed": _("Account change confirmed by the application"),
    "application_account.failed": _("Account change refused by the application"),
    "application_task.done": _("Account change made by the application's administrators"),
    "decision.recorded": _("Personnel decision recorded"),
    "decision.cancelled": _("Personnel decision cancelled"),
    "decision.applied": _("Personnel decision applied"),
    "decision.superseded": _("Personnel decision superseded"),
    "outside_request.filed": _("Outside account requested"),
    "outside_request.approved": _("Outside account approved"),
    "outside_request.rejected": _("Outside account rejected"),
    "report.submitted": _("Quarterly account report submitted"),
    "report.reminded": _("Quarterly account report reminder sent"),
    "report.overdue": _("Quarterly account report overdue"),
    "report.downloaded": _("Quarterly account report downloaded"),
    "report.national_exported": _("Consolidated account report downloaded"),
    "data_request.filed": _("Data extraction requested"),
    "data_request.approved": _("Data extraction approved"),
    "data_request.rejected": _("Data extraction rejected"),
    "data_request.forwarded": _("Data extraction forwarded to central IT"),
    "data_request.fulfilled": _("Data extraction fulfilled"),
    "data_request.downloaded": _("Data extraction file downloaded"),
    "audit.exported": _("Audit log exported"),
    "audit.chain_checked": _("Audit chain checked"),
    "outbox.replayed": _("Failed message sent again"),
    "partition.detached": _("Month of records detached and archived"),
    # employers, registration, certificates, trust
    "registration.submitted": _("E-transaction registration submitted"),
    "registration.approved": _("E-transaction registration approved"),
    "registration.rejected": _("E-transaction registration rejected"),
    "certificate.registered": _("Digital certificate registered"),
    "trial_credential.issued": _("Trial credential issued"),
    "employer.data_changed": _("Employer's data changed"),
    "employer.changed": _("Employer's 05/SD-IVAN (e-transaction change) signed in the portal"),
    "employer.stopped": _("Employer's 06/NG-IVAN (e-transaction stop) signed in the portal"),
    "employer.assigned": _("Employer assigned to a collection officer"),
    # payments received (declarations.payments)
    "payment.import_stored": _("Bank statement imported: transfers stored"),
    "payment.matched": _("Transfer matched to a unit by hand"),
    "employer.unassigned": _("Employer's assignment ended"),
    "trust.ca_added": _("Certificate authority added"),
    "trust.ca_changed": _("Certificate authority changed"),
    "trust.ca_deleted": _("Certificate authority deleted"),
    "trust.crl_updated": _("Revocation list updated"),
    "trust.crl_refresh_failed": _("Revocation list download failed"),
    "trust.crl_refresh_recovered": _("Revocation list download recovered"),
    # dossiers and review
    "dossier.received": _("Dossier received"),
    "dossier.status_changed": _("Dossier status changed"),
    "dossier.assigned": _("Dossier assigned"),
    "dossier.unassigned": _("Dossier unassigned"),
    "dossier.handed_back": _("Dossier handed back to the queue"),
    "dossier.file_viewed": _("Dossier file opened"),
    "dossier.paper_registered": _("Paper dossier registered"),
    "dossier.paper_set_received": _("Paper set received"),
    "dossier.result_posted": _("Result sent by post"),
    "incident.recorded": _("Incident recorded"),
    "card.returned": _("Health-insurance card returned"),
    "person.viewed": _("Insured person's record opened"),
    "statement.month_finalised": _("Monthly contribution statements finalised"),
    "calendar.day_added": _("Calendar day added"),
    "calendar.day_changed": _("Calendar day changed"),
    "calendar.day_deleted": _("Calendar day deleted"),
    "time_limit.added": _("Time limit added"),
    "time_limit.changed": _("Time limit changed"),
    # adoption and difficulties
    "adoption_target.set": _("Adoption target set"),
    "release.added": _("Software release added"),
    "release.changed": _("Software release changed"),
    "release.deployed": _("Software release deployed"),
    "release.result_submitted": _("Release deployment result reported"),
    "release.result_reminded": _("Release deployment result reminder sent"),
    "difficulty.filed": _("Difficulty reported"),
    "difficulty.answered": _("Difficulty answered"),
    "difficulty.forwarded": _("Difficulty forwarded"),
    "difficulty.attachment_downloaded": _("Difficulty attachment downloaded"),
    # closure records (chốt sổ)
    "closure.draft_created": _("Closure record drafted"),
    "closure.confirmed": _("Closure record confirmed"),
    "closure.received": _("Closure records received from the central store"),
    "closure.demo_created": _("Demo closure record created"),
    "closure.manual_job_created": _("Manual push started"),
    "closure.manual_job_finished": _("Manual push finished"),
    "closure.backfill_job_created": _("Backfill since 2008 started"),
    "closure.backfill_job_finished": _("Backfill since 2008 finished"),
    "closure.import_checked": _("Closure import file checked (preview)"),
    "closure.import_stored": _("Closure import stored"),
    # I-VAN providers
    "ivan.api.call": _("I-VAN API call"),
    "ivan.client.created": _("I-VAN API client created"),
    "ivan.secret.issued": _("I-VAN API secret issued"),
    "ivan.secret.rotated": _("I-VAN API secret rotated"),
    "ivan.secret.revoked": _("I-VAN API secret revoked"),
    "ivan.webhook.registered": _("I-VAN webhook registered"),
    "ivan.contract.active": _("I-VAN contract in force"),
    "ivan.contract.suspended": _("I-VAN contract suspended"),
    "ivan.contract.ended": _("I-VAN contract ended"),
    "ivan.employer.registration_filed": _("Registration filed through an I-VAN provider"),
    "ivan.employer.changed": _("Employer changed through an I-VAN provider"),
    "ivan.employer.stopped": _("Employer stopped through an I-VAN provider"),
}

# A code nobody labelled yet is still placed in its family.
FAMILY_LABELS = {
    "login": _("Sign-in"),
    "otp": _("Second factor"),
    "password": _("Password"),
    "account": _("Account"),
    "user": _("User"),
    "role": _("Role"),
    "application": _("Application rights"),
    "decision": _("Personnel decision"),
    "outside_request": _("Outside account"),
    "report": _("Quarterly account report"),
    "data_request": _("Data extraction"),
    "audit": _("Audit log"),
    "outbox": _("Outbox"),
    "registration": _("E-transaction registration"),
    "certificate": _("Digital certificate"),
    "employer": _("Employer"),
    "trust": _("Trust store"),
    "dossier": _("Dossier"),
    "incident": _("Incident"),
    "card": _("Health-insurance card"),
    "person": _("Insured person"),
    "statement": _("Contribution statement"),
    "calendar": _("Working-day calendar"),
    "time_limit": _("Time limit"),
    "release": _("Software release"),
    "difficulty": _("Difficulty"),
    "closure": _("Closure record"),
    "ivan": _("I-VAN provider"),
}


def action_label(code: str) -> str:
    """``code`` in words, in the reader's language; the family's name for a code without
    a label of its own; the code itself when even the family is unknown."""
    label = ACTION_LABELS.get(code)
    if label is not None:
        return str(label)
    family = FAMILY_LABELS.get(code.partition(".")[0])
    return str(family) if family is not None else code
