"""Structural peers (kb/reference/peers.py)."""

from __future__ import annotations

import pytest

from kb.reference.peers import find_peers, matrix
from kb.reference.regions import PILOT_REGIONS, resolve_region


@pytest.mark.parametrize("slug", PILOT_REGIONS)
def test_peers_never_include_the_region_or_its_parts(slug: str) -> None:
    region = resolve_region(slug)
    result = find_peers(region, k=5)
    assert len(result.peers) == 5
    own = set(region.all_codes())
    for p in result.peers:
        assert p.region != slug
        assert not set(resolve_region(p.region).all_codes()) & own
        assert 0.0 <= p.stability <= 1.0
        assert p.reasons[0].startswith("closest on") and p.reasons[1].startswith("furthest on")
    distances = [p.distance for p in result.peers]
    assert distances == sorted(distances)


def test_a_nuts_code_resolves_to_the_whole_region() -> None:
    assert find_peers(resolve_region("DED4")).region == "saxony"
    assert find_peers(resolve_region("FR30")).region == "hauts-de-france"


def test_other_countries_excludes_the_home_country() -> None:
    result = find_peers(resolve_region("grand-est"), k=8, other_countries=True)
    assert all(resolve_region(p.region).country != "FR" for p in result.peers)


def test_stability_is_reproducible() -> None:
    a = find_peers(resolve_region("wallonia"))
    b = find_peers(resolve_region("wallonia"))
    assert a == b


def test_every_region_in_the_matrix_is_standardised() -> None:
    z, _ = matrix()
    assert len(z) > 250
    first = [row[0] for row in z.values() if row[0] is not None]
    assert abs(sum(first) / len(first)) < 1e-9


def test_json_shape() -> None:
    data = find_peers(resolve_region("slovenia")).to_dict()
    assert data["region"] == "slovenia"
    assert set(data["peers"][0]) == {"region", "name", "country", "distance", "stability", "reasons"}
