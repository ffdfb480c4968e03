"""The reference tables intake reads: money tables and their stamp."""

from .rates import BaseSalary, ContributionRate, RegionalMinimumWage  # noqa: F401
from .reference import ReferenceStamp  # noqa: F401
