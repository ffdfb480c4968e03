"""The reference tables intake reads: money tables and their stamp."""

from .rates import (  # noqa: F401
    BaseSalary,
    ContributionRate,
    LateInterestRate,
    RegionalMinimumWage,
)
from .reference import ReferenceStamp  # noqa: F401
