"""Goal and indicator model: pure functions on the tidy tables (no Dash, no database).

Public API (see docs/contracts.md, section goals): :func:`load_plan`, :func:`parse_period`,
:func:`followup`, :func:`goal_status`, :func:`trend`, :func:`unit_comparison`, :func:`monthly`,
:data:`STATUS_LABELS_SV`, :data:`STATUS_LABELS_EN`.
"""

from goals.model import ORGANISATION, ORGANISATION_NAME_SV, Model, get_model
from goals.periods import PERIOD_CODES, Period, parse_period
from goals.plan import Goal, GoalSet, Indicator, Plan, PlanError, load_plan, parse_plan
from goals.status import STATUS_LABELS_EN, STATUS_LABELS_SV, STATUSES, goal_status, wilson
from goals.views import (
    FOLLOWUP_COLUMNS,
    followup,
    forecast_coverage,
    last_data_date,
    monthly,
    trend,
    unit_comparison,
    units,
)

__all__ = [
    "FOLLOWUP_COLUMNS",
    "ORGANISATION",
    "ORGANISATION_NAME_SV",
    "PERIOD_CODES",
    "STATUSES",
    "STATUS_LABELS_EN",
    "STATUS_LABELS_SV",
    "Goal",
    "GoalSet",
    "Indicator",
    "Model",
    "Period",
    "Plan",
    "PlanError",
    "followup",
    "forecast_coverage",
    "get_model",
    "goal_status",
    "last_data_date",
    "load_plan",
    "monthly",
    "parse_period",
    "parse_plan",
    "trend",
    "unit_comparison",
    "units",
    "wilson",
]
