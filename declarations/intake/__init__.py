"""The intake pipeline (declarations.intake): one path for browser, CLI and the I-VAN API.

result = intake_submit(data=xml_bytes, channel="portal", actor=request.user)
result.receipt  # the receipt notice (thông báo tiếp nhận), or
result.errors   # every error: code, message, location (line, form, row, field)
"""

from .errors import CATALOGUE, IntakeError, Location, Refused
from .pipeline import IntakeResult, intake_submit

__all__ = ["CATALOGUE", "IntakeError", "IntakeResult", "Location", "Refused", "intake_submit"]
