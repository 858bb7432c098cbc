"""The offline plan: run the program under mocks, record, render, diff."""

#: The garbage collector's thresholds for a process that plans (the CLI; the benches' floor
#: too, so that it does the same work the same way). A plan allocates hundreds of thousands of
#: short-lived objects beside the million long-lived ones the SDKs' modules hold; at Python's
#: default thresholds (700, 10, 10) the full passes over those took a fifth of a plan's wall
#: time. Collecting young objects less often costs about 13 MiB at peak on a 12-region plan.
GC_THRESHOLDS = (10_000, 50, 100)
