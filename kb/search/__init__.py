"""Searching the practices: the Whoosh analyzer, the query reader, building the index, and the
open index that answers queries."""
