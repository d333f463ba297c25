"""Notebook applications (Voila): the search app and the workshop session app."""
