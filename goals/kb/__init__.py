"""KB's annual library statistics from the stored tables.

``catalogue`` reads the declarative variable list (``variables.yaml``: KB's keys in KB's order,
sum rules, what each is computed from), ``compute`` turns the tidy tables into values per unit and
for the whole municipality with their provenance and caveats, ``rules`` checks KB's consistency
rules.  The reference for keys, order and sum rules is KB's own survey definition in the public
repository ``libris/bibstat`` (``libstat/survey_templates.py``, ``_survey_template_2014``).
"""

from goals.kb.catalogue import Catalogue, load_catalogue
from goals.kb.compute import KbExport, KbValue, kb_export
from goals.kb.rules import check_rules

__all__ = ["Catalogue", "KbExport", "KbValue", "check_rules", "kb_export", "load_catalogue"]
