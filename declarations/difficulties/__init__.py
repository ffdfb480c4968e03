"""Difficulties (vướng mắc) filed by employers and staff, answered or forwarded."""
