"""Peer-learning workshops: session records (ratings, actions) and printable packs."""
