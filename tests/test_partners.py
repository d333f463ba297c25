"""Partners to call (kb/reference/partners.py, `kb partners`) and the network files they read
(kb/reference/networks.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.reference.networks import check_networks, memberships, shared
from kb.reference.partners import rank_partners
from kb.reference.regions import resolve_region
from kb.search.build import read_documents


def test_the_network_files_are_sound() -> None:
    assert check_networks() == []
    assert {m.region for m in memberships()} >= {"saxony", "wallonia", "piemonte"}


def test_a_bad_network_file_is_reported_at_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.reference import networks as module

    bad = tmp_path / "net.yaml"
    bad.write_text("id: net\nname: A network\ncoverage: partial\nmembers:\n"
                   "  - region: atlantis\n    role: member\n    source: https://example.org/a\n"
                   "    verification: verified\n"
                   "  - region: saxony\n    role: member\n    verification: verified\n"
                   "  - region: saxony\n    role: member\n    verification: verified\n", encoding="utf-8")
    monkeypatch.setattr(module, "_files", lambda: [bad])
    messages = [(p.line, p.message) for p in check_networks()]
    assert (5, "unknown region 'atlantis' (see `kb regions --all`)") in messages
    assert (9, "member saxony: missing source") in messages
    assert any(line == 12 and "listed twice" in m for line, m in messages)


def test_shared_channels_are_the_same_network_and_partnership() -> None:
    from kb.reference.networks import _by_part

    channels = shared("saxony", "piemonte")
    assert channels and all(a.region == "saxony" and b.region == "piemonte" for a, b in channels.values())
    for a, b in channels.values():
        assert a.network == b.network and (a.network not in _by_part() or a.part == b.part != "")


def test_partners_are_ranked_with_reasons_practices_and_sources(real_index: Path) -> None:
    docs = read_documents(real_index)[1]
    found = rank_partners(resolve_region("saxony"), docs, limit=8)
    assert len(found) == 8 and [p.score for p in found] == sorted((p.score for p in found), reverse=True)
    for p in found:
        assert p.region != "saxony" and p.reasons and abs(sum(p.parts.values()) - p.score) < 0.02
        assert all(practice.url.startswith("http") for practice in p.practices)
        assert all(channel.source.startswith("http") for channel in p.channels)
    with_channel = [p for p in found if p.channels]
    assert with_channel and all(any("already together in" in r for r in p.reasons) for p in with_channel)


def test_a_theme_keeps_partners_with_practices_of_it(real_index: Path) -> None:
    docs = {d.id: d for d in read_documents(real_index)[1]}
    found = rank_partners(resolve_region("Silesia"), list(docs.values()), theme="just-transition", limit=5)
    assert found and all(p.practices for p in found)
    assert all("just-transition" in docs[x.id].themes for p in found for x in p.practices)


def test_the_command(real_index: Path) -> None:
    out = CliRunner().invoke(cli, ["partners", "Sachsen", "--limit", "3", "--json", "--index", str(real_index)])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["region"] == "saxony" and len(data["partners"]) == 3
    bad = CliRunner().invoke(cli, ["partners", "Atlantis"])
    assert bad.exit_code == 2


def test_most_partners_are_outside_the_pilots_and_a_uk_region_gets_no_eu_only_channel(real_index: Path) -> None:
    from kb.reference.partners import open_networks
    from kb.reference.regions import PILOT_REGIONS

    docs = read_documents(real_index)[1]
    saxony = rank_partners(resolve_region("saxony"), docs, limit=8)
    assert sum(p.region not in PILOT_REGIONS for p in saxony) > len(saxony) / 2
    manchester = resolve_region("greater-manchester")
    closed = {"interreg-europe-projects", "s3-thematic-platforms", "vanguard-initiative", "regional-innovation-valleys"}
    assert not closed & open_networks(manchester)
    assert closed <= open_networks(resolve_region("saxony"))
    for p in rank_partners(manchester, docs, limit=10):
        assert not any(c.network.startswith(("Interreg Europe", "Smart Specialisation Thematic")) for c in p.channels)
