"""One module per sheet; each has ``build(wb, inputs, ...)`` and reads only a ReportInputs."""
