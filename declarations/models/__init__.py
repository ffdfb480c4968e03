"""Models of the declarations app, one module per part of the domain."""

from .employers import Employer, EmployerMember, EStatus, ResultDelivery, WageZone

__all__ = ["EStatus", "Employer", "EmployerMember", "ResultDelivery", "WageZone"]
