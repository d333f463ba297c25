"""Networks and partnerships regions belong to (kb/data/networks/<id>.yaml), each membership
with its source: read, checked, and asked which networks two regions share."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from kb.errors import Problem
from kb.reference.data import data_path
from kb.yamlio import display_path

FOLDER = "networks"


@dataclass(frozen=True)
class Membership:
    network: str
    """The network's id."""
    network_name: str
    region: str
    role: str
    detail: str
    source: str
    verification: str
    part: str = ""
    """The partnership or project of a network of them (`channel: part`), e.g. "S3Chem"."""


def _files() -> list[Path]:
    folder = Path(str(data_path(FOLDER)))
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


@cache
def networks() -> tuple[dict, ...]:
    """Every network file's content, sorted by id."""
    out = []
    for path in _files():
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
        if isinstance(data, dict):
            out.append(data)
    return tuple(sorted(out, key=lambda n: str(n.get("id"))))


@cache
def memberships() -> tuple[Membership, ...]:
    """Every membership of every network."""
    return tuple(Membership(str(n.get("id")), str(n.get("name", n.get("id"))), str(m.get("region")),
                            str(m.get("role") or "member"), str(m.get("detail") or ""), str(m.get("source") or ""),
                            str(m.get("verification") or "partial"), str(m.get("part") or ""))
                 for n in networks() for m in (n.get("members") or []) if isinstance(m, dict))


@cache
def _by_part() -> frozenset[str]:
    """Networks where only the same partnership or project is a channel (`channel: part`): two
    regions in different Interreg projects or platform partnerships share no channel."""
    return frozenset(str(n.get("id")) for n in networks() if n.get("channel") == "part")


def shared(a: str, b: str) -> dict[str, tuple[Membership, Membership]]:
    """The channels regions `a` and `b` already share: a network both belong to, or, in a network
    of partnerships or projects, the partnership or project both are in (its `part`) ->
    (a's, b's membership)."""
    mine = [m for m in memberships() if m.region == a]
    out: dict[str, tuple[Membership, Membership]] = {}
    for theirs in (m for m in memberships() if m.region == b):
        for own in mine:
            if own.network != theirs.network:
                continue
            if own.network in _by_part():
                if own.part and own.part == theirs.part:
                    out.setdefault(f"{theirs.network_name}: {theirs.part}", (own, theirs))
            else:
                out.setdefault(theirs.network_name, (own, theirs))
    return out


def check_networks() -> list[Problem]:
    """What is wrong with the network files: an unknown region, a member without a source, the
    same membership twice, a file without id, name or coverage."""
    from kb.corpus.checks import check_url
    from kb.reference.regions import regions

    known = regions()
    problems: list[Problem] = []
    for path in _files():
        shown = display_path(path)
        text = path.read_text(encoding="utf-8")
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", 0) + 1
            problems.append(Problem(shown, line, "not valid YAML"))
            continue
        if not isinstance(data, dict):
            problems.append(Problem(shown, 1, "a network file must be a mapping (id, name, members, ...)"))
            continue
        for key in ("id", "name", "coverage"):
            if not data.get(key):
                problems.append(Problem(shown, 1, f"missing '{key}'"))
        if data.get("id") and data["id"] != path.stem:
            problems.append(Problem(shown, 1, f"id '{data['id']}' differs from the file name '{path.stem}'"))
        seen: set[tuple[str, str, str]] = set()
        lines = _member_lines(text)
        for n, m in enumerate(data.get("members") or []):
            line = lines[n] if n < len(lines) else 1
            if not isinstance(m, dict):
                problems.append(Problem(shown, line, "a member must be a mapping (region, role, source, ...)"))
                continue
            region = str(m.get("region") or "")
            if region not in known:
                problems.append(Problem(shown, line, f"unknown region '{region}' (see `kb regions --all`)"))
            why = check_url(m.get("source")) if m.get("source") else "missing source"
            if why:
                problems.append(Problem(shown, line, f"member {region}: {why}"))
            if m.get("verification") not in ("verified", "partial"):
                problems.append(Problem(shown, line, f"member {region}: verification must be verified or partial"))
            key = (region, str(m.get("role") or ""), str(m.get("part") or m.get("detail") or ""))
            if key in seen:
                problems.append(Problem(shown, line, f"member {region} is listed twice with the same role and detail"))
            seen.add(key)
    return problems


def _member_lines(text: str) -> list[int]:
    """The line of each member entry (a `- region:` line), in order."""
    return [n for n, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith("- region:")]
