"""The pilot regions' profiles (kb/data/pilot_profiles.yaml) and the broad smart specialisation
domains their key sectors and S3 priorities fall in (kb/data/s3_domains.yaml): what two regions'
specialisations have in common."""

from __future__ import annotations

from functools import lru_cache

from kb.reference.data import load_yaml
from kb.text import words


@lru_cache(maxsize=1)
def profiles() -> dict[str, dict]:
    return {row["slug"]: row for row in load_yaml("pilot_profiles.yaml")}


@lru_cache(maxsize=1)
def s3_domains() -> list[dict]:
    return list(load_yaml("s3_domains.yaml"))


def _domains(text: str) -> set[str]:
    folded = " " + " ".join(words(text)) + " "
    return {d["slug"] for d in s3_domains() if any(f" {' '.join(words(w))} " in folded for w in d["words"])}


@lru_cache(maxsize=512)
def region_domains(slug: str) -> frozenset[str]:
    """The S3 domains of a region with a profile (the pilots); empty for the others."""
    row = profiles().get(slug, {})
    text = " ".join(str(x) for x in [*(row.get("key_sectors") or []), *(row.get("s3_priority_domains") or [])])
    return frozenset(_domains(text))
