"""Models of the declarations app, one module per part of the domain."""

from .employers import Employer, EmployerMember, WageZone

__all__ = ["Employer", "EmployerMember", "WageZone"]
