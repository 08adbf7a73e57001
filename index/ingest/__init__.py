"""Getting articles in: sources and feeds, fetching, HTML, splitting pages, cleaning."""
