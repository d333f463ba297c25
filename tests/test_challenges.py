"""Which gaps count as challenges (kb/reference/challenges.py), on comparisons made by hand."""

from __future__ import annotations

from kb.reference.challenges import saturated, weakest, weakness
from kb.reference.compare import Comparison, PeerValue
from kb.reference.indicators import Figure, indicators


def comparison(indicator: str, value: float | None, peers: list[float | None], old: str = "") -> Comparison:
    ind = indicators()[indicator]
    values = tuple(PeerValue(f"p{i}", f"Peer {i}", v, 2020) for i, v in enumerate(peers))
    known = sorted(v for v in peers if v is not None)
    median = known[len(known) // 2] if known else None
    return Comparison(indicator=ind, figure=Figure(indicator, value, 2020, rule="test"), old=old, peers=values,
                      peer_median=median, eu_aggregate=Figure(indicator, None, None),
                      eu_median=Figure(indicator, 1.0, 2020), position=None, peer_position=None, base=indicator)


def test_a_gap_of_ten_percent_counts_and_states_its_size() -> None:
    w = weakness(comparison("gerd_pct_gdp", 1.8, [1.0, 2.0, 3.0, 4.0, 5.0]))  # median 3.0: 40 % behind
    assert w is not None and w.gap == -0.4
    assert w.size == "40% worse than the peers' median; 5th of 6 with its peers"


def test_a_small_gap_is_noise_unless_the_region_is_in_its_peers_bottom_third() -> None:
    assert weakness(comparison("gerd_pct_gdp", 2.9, [1.0, 2.0, 3.0, 4.0, 5.0])) is None  # 3 % behind, 3rd of 6
    last = weakness(comparison("gerd_pct_gdp", 2.9, [3.0, 3.0, 3.0, 3.1, 3.2]))  # 3 % behind but 6th of 6
    assert last is not None and "6th of 6" in last.size


def test_lower_is_better_is_oriented() -> None:
    w = weakness(comparison("unemployment_rate", 8.0, [4.0, 5.0, 6.0]))
    assert w is not None and w.gap < 0 and "worse" in w.size
    assert weakness(comparison("unemployment_rate", 3.0, [4.0, 5.0, 6.0])) is None


def test_saturated_indicators_and_old_figures_are_no_challenge() -> None:
    assert saturated("broadband_households") and not saturated("gerd_pct_gdp")
    assert weakness(comparison("broadband_households", 90.0, [99.0, 99.0, 100.0])) is None
    assert weakness(comparison("patents_per_million", 10.0, [50.0, 60.0, 70.0], old="old: 2012")) is None


def test_a_region_ahead_everywhere_gets_its_three_relatively_weakest() -> None:
    ahead = [comparison("gerd_pct_gdp", 4.0, [1.0, 2.0]), comparison("berd_pct_gdp", 3.0, [1.0, 1.5]),
             comparison("hrst_pct_active", 60.0, [40.0, 50.0]), comparison("gdp_pps_index_eu27", 150.0, [90.0, 140.0]),
             comparison("unemployment_rate", 2.0, [5.0, 6.0])]
    found = weakest(ahead)
    assert len(found) == 3 and all(w.relative for w in found)
    assert [w.indicator for w in found] == sorted((w.indicator for w in found), key=lambda i: next(
        x.gap for x in found if x.indicator == i))
    assert found[0].indicator == "gdp_pps_index_eu27"  # only 7 % ahead: the relatively weakest
    behind = [*ahead, comparison("gerd_pct_gdp", 1.0, [2.0, 3.0])]
    assert [w.relative for w in weakest(behind)] == [False]
