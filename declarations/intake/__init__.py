"""The intake pipeline: one path for browser, CLI and the I-VAN API.

result = declarations.intake.pipeline.intake_submit(data=xml, channel="portal", actor=user)
result.receipt  # the receipt notice (thông báo tiếp nhận), or
result.errors   # every error: code, message, location (line, form, row, field)
"""
