"""ETL: read library exports, normalise them to tidy tables, validate and store them."""
