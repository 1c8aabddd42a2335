"""The thresholds of every anomaly rule (``anomaly_rules.yaml``), checked with pydantic.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from etl.config import ConfigError, parse_model, read_yaml

#: The bundled defaults.
DEFAULT_RULES_PATH = Path(__file__).parent.parent / "anomaly_rules.yaml"
#: Name of the override file in a data directory.
RULES_FILE_NAME = "anomaly_rules.yaml"

MonthlyKind = Literal["loans", "visits", "events"]

# --------------------------------------------------------------------------- configuration
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Rule(_Model):
    enabled: bool


class CounterOutageRule(_Rule):
    per_day: bool


class CatchUpSpikeRule(_Rule):
    above_median: float = Field(gt=0)
    window_weeks: int = Field(ge=1)
    min_reference_days: int = Field(ge=1)


class DoubleCountingRule(_Rule):
    kinds: list[Literal["loans", "visits"]]
    ratio: float = Field(gt=1)
    previous_months: int = Field(ge=1)


class ClosedDayCountsRule(_Rule):
    tolerance: float = Field(ge=0)


class MissingMonthRule(_Rule):
    kinds: list[MonthlyKind]
    lookback_months: int = Field(ge=1)
    seasonal_pause_years: int = Field(ge=1)


class PartialPeriodRule(_Rule):
    loans_share: float = Field(gt=0, lt=1)
    previous_months: int = Field(ge=1)


class FewSurveyAnswersRule(_Rule):
    min_answers: int = Field(ge=1)


class ChangeVsLastYearRule(_Rule):
    kinds: list[MonthlyKind]
    share: float = Field(gt=0)
    noise_z: float = Field(ge=0)
    min_previous: dict[MonthlyKind, float]


class AnomalyRules(_Model):
    """Thresholds of every rule; the defaults are in ``etl/anomaly_rules.yaml``."""

    holidays_closed: bool
    max_listed: int = Field(ge=1)
    counter_outage: CounterOutageRule
    catch_up_spike: CatchUpSpikeRule
    double_counting: DoubleCountingRule
    closed_day_counts: ClosedDayCountsRule
    missing_month: MissingMonthRule
    partial_period: PartialPeriodRule
    few_survey_answers: FewSurveyAnswersRule
    change_vs_last_year: ChangeVsLastYearRule


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


@cache
def default_rules() -> AnomalyRules:
    """The bundled defaults (``etl/anomaly_rules.yaml``)."""
    return parse_model(AnomalyRules, read_yaml(DEFAULT_RULES_PATH), DEFAULT_RULES_PATH)


def load_rules(override: Path | None = None) -> AnomalyRules:
    """The defaults, with the keys in ``override`` (if that file exists) replacing them.

    Lists are replaced, mappings are merged key by key.  A wrong key or value raises
    :class:`etl.config.ConfigError` naming the override file, the key path and the fix.
    """
    if override is None or not Path(override).exists():
        return default_rules()
    user = read_yaml(Path(override))
    if not isinstance(user, dict):
        raise ConfigError(
            override,
            [
                (
                    "",
                    "filen ska bestå av nycklar som i etl/anomaly_rules.yaml, t.ex. "
                    "'change_vs_last_year: {share: 0.15}'",
                )
            ],
        )
    merged = _deep_merge(read_yaml(DEFAULT_RULES_PATH), user)
    return parse_model(AnomalyRules, merged, override)
