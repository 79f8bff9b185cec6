"""The indicator registry: every indicator is defined once, here, and nowhere else.

An Indicator says what it counts (name, Vietnamese description), how its values roll up
(`kind`), which disaggregations it carries, whether its small counts are suppressed above the
school, and how to compute it for a period from the records kept at each unit (`compute`).
The modules below register them by domain; `all_indicators()` lists them in display order.
"""

from .base import DIMENSIONS, Dimension, Indicator, Row, all_indicators, get, register

# Importing a module registers its indicators (display order = import order, the order of
# the dashboard sections), hence not sorted.
# isort: off
from . import (  # noqa: E402,F401
    help_requests,
    cases,
    referrals,
    safeguarding,
    prevention,
    screening,
    staff,
    readiness,
    supervision,
    directives,
    funding,
)

# isort: on

__all__ = ["DIMENSIONS", "Dimension", "Indicator", "Row", "all_indicators", "get", "register"]
