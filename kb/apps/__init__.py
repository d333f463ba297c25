"""Notebook applications (Voila): the search app."""
