"""The ``bibplan`` command line: a thin layer over etl, goals and dashboard."""
