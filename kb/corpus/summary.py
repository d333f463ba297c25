"""A practice as the index stores it for display: the one shape that search hits, reports and
workshop packs read (real lists, not the comma-joined strings Whoosh keeps for its keyword
fields)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from kb.corpus.records import Practice, Source


def _values(value: Any) -> tuple[str, ...]:
    """A list field as stored: a list (documents.json) or a comma-joined string (Whoosh)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v for v in value.split(",") if v)
    return tuple(str(v) for v in value)


@dataclass(frozen=True)
class PracticeSummary:
    """What is shown of a practice: its metadata and the short sections (not the whole body)."""

    id: str
    title: str
    region: str
    regions: tuple[str, ...]
    """The region and the partner regions."""
    countries: tuple[str, ...]
    themes: tuple[str, ...]
    instruments: tuple[str, ...]
    lead_organisation: str
    verification: str
    evidence: str
    sources: tuple[Source, ...]
    summary: str = ""
    governance: str = ""
    lessons: str = ""
    transferability: str = ""
    resources: str = ""
    results: str = ""
    """The record's "Evidence of results" section."""
    original_title: str | None = None
    start_year: int | None = None
    end_year: int | None = None
    partner_regions: tuple[str, ...] = ()
    nuts: tuple[str, ...] = ()
    path: str = ""
    sha256: str = ""

    @property
    def url(self) -> str:
        """The first source's URL (every record has one)."""
        return self.sources[0].url if self.sources else ""

    @classmethod
    def from_stored(cls, doc: Mapping[str, Any]) -> PracticeSummary:
        """Read a stored document (documents.json or Whoosh's stored fields)."""
        return cls(
            id=doc["id"], title=doc["title"], region=doc["region"], regions=_values(doc.get("regions")),
            countries=_values(doc.get("countries", doc.get("country"))), themes=_values(doc.get("themes")),
            instruments=_values(doc.get("instruments")), lead_organisation=doc.get("lead_organisation") or "",
            verification=doc["verification"], evidence=doc["evidence"],
            sources=tuple(Source(s["url"], s["title"]) for s in doc.get("sources") or ()),
            summary=doc.get("summary") or "", governance=doc.get("governance") or "",
            lessons=doc.get("lessons") or "", transferability=doc.get("transferability") or "",
            resources=doc.get("resources") or "", results=doc.get("results") or "",
            original_title=doc.get("original_title") or None, start_year=doc.get("start_year") or None,
            end_year=doc.get("end_year"), partner_regions=_values(doc.get("partner_regions")),
            nuts=_values(doc.get("nuts")), path=doc.get("path") or "", sha256=doc.get("sha256") or "",
        )

    def to_stored(self) -> dict[str, Any]:
        """The JSON form kept in documents.json (lists as lists)."""
        data = asdict(self)
        data["sources"] = [{"url": s.url, "title": s.title} for s in self.sources]
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


def summarise(practice: Practice, plain: Any) -> PracticeSummary:
    """The summary of a checked practice; `plain` turns a section's Markdown into plain text."""
    return PracticeSummary(
        id=practice.id, title=practice.title, region=practice.region, regions=practice.regions,
        countries=practice.countries, themes=practice.themes, instruments=practice.instruments,
        lead_organisation=practice.lead_organisation, verification=practice.verification,
        evidence=practice.evidence, sources=practice.sources, summary=plain(practice.summary),
        governance=plain(practice.sections.get("Governance and monitoring", "")),
        lessons=plain(practice.sections.get("Difficulties and lessons", "")),
        transferability=plain(practice.sections.get("Transferability", "")),
        resources=plain(practice.sections.get("Resources", "")),
        results=plain(practice.sections.get("Evidence of results", "")),
        original_title=practice.original_title, start_year=practice.start_year, end_year=practice.end_year,
        partner_regions=practice.partner_regions, nuts=practice.nuts, path=practice.path, sha256=practice.sha256,
    )
