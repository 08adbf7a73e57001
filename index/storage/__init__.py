"""Where the index lives: the catalogs (SQLite, PostgreSQL), the vector store and their checks."""
