"""Sentences of a tram line that never existed (our own writing), read by the cross-encoder tests
(`test_reader.py`, `test_relevance.py`)."""

TITLE = "Eastgate tram line opens"
COST = "The line cost £182 million to build and took three years."
CAPACITY = "Each tram can carry up to 210 passengers."
START = "Construction began in 2021 along the old railway."
