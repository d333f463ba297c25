"""Peer-learning reports: the report model, its HTML, charts and the batch of reports with its index page."""
