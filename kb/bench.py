"""`kb bench`: how fast the knowledge base is on this machine, as ratios against floors
measured in the same run (reading and parsing the files, starting a kernel, a batch of trivial
notebooks), so that a noisy shared machine still gives a meaningful answer.

Corpora are generated deterministically from the real records: the same front-matter fields,
the seven sections, sentences drawn from the real sections, so sizes and vocabulary match."""

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kb._version import __version__
from kb.corpus.records import SECTIONS, Practice, load_corpus, record_files
from kb.reference.regions import PILOT_REGIONS, regions

SEED = 20180307
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

QUERIES: dict[str, list[dict[str, Any]]] = {
    "free text": [{"q": q} for q in (
        "how did regions monitor their smart specialisation strategy", "cluster policy governance",
        "digital innovation hub for small firms", "skills for industrial transition", "coal region restructuring",
        "university industry research collaboration", "innovation vouchers evaluation", "regional innovation agency")],
    "phrase": [{"q": q} for q in ('"smart specialisation"', '"entrepreneurial discovery"', '"steering committee"',
                                  '"innovation agency"', '"monitoring system"')],
    "facet only": [{"q": "", "theme": t} for t in ("governance", "monitoring-evaluation", "skills", "clusters")]
    + [{"q": "", "region": r} for r in ("saxony", "wallonia", "lithuania")],
    "text + facet": [{"q": "monitoring", "region": "saxony"}, {"q": "clusters", "theme": "governance"},
                     {"q": "digital", "country": "FR"}, {"q": "skills training", "year_from": 2015}],
    "typo": [{"q": q} for q in ("monitorng evaluaton", "govrenance", "digitalisaton", "clustre policy", "forsight")],
    "multilingual": [{"q": q} for q in ("suivi de la stratégie", "pôles de compétitivité", "Sachsen Digitalisierung",
                                        "valutazione dei poli", "seguimiento de la estrategia", "ennakointi",
                                        "kompetensförsörjning", "pametna tovarna")],
}


@dataclass
class Measure:
    """One measured figure, with the floor it is compared to and the target it must meet."""

    name: str
    value: float
    unit: str
    floor: float | None = None
    target: float | None = None
    """Upper bound for `ratio` when there is a floor, for `value` otherwise."""
    samples: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        return self.value / self.floor if self.floor else None

    @property
    def status(self) -> str:
        if self.target is None:
            return ""
        measured = self.ratio if self.floor else self.value
        return "pass" if measured is not None and measured <= self.target else "miss"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ratio"] = self.ratio
        out["status"] = self.status
        if self.samples:
            out.update(min=min(self.samples), median=statistics.median(self.samples), max=max(self.samples))
        return out


def _timed(fn: Callable[[], Any], reps: int) -> list[float]:
    out = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def _sentences(text: str) -> list[str]:
    import re

    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if len(s.split()) >= 4]


def generate_corpus(templates: list[Practice], n: int, out: Path, seed: int = SEED) -> Path:
    """Write `n` generated records shaped like `templates` under `out`; return `out`."""
    rng = random.Random(seed)
    pools = {name: [s for p in templates for s in _sentences(p.sections.get(name, ""))] for name in SECTIONS}
    lengths = {name: [max(1, len(_sentences(p.sections.get(name, "")))) for p in templates] for name in SECTIONS}
    theme_pool = [t for p in templates for t in p.themes]
    known = regions()
    for i in range(n):
        t = rng.choice(templates)
        region = rng.choice(PILOT_REGIONS)
        pid = f"bench-{i:06d}"
        themes = list(dict.fromkeys(rng.choice(theme_pool) for _ in range(rng.randint(1, 4))))
        front = {
            "id": pid, "title": f"{t.title} ({i})", "region": region, "nuts": list(known[region].nuts),
            "themes": themes, "instruments": list(t.instruments), "lead_organisation": t.lead_organisation,
            "start_year": t.start_year, "sources": [{"url": s.url, "title": s.title} for s in t.sources[:3]],
            "verification": t.verification, "evidence": t.evidence, "last_reviewed": t.last_reviewed,
        }
        body = "\n\n".join(
            f"## {name}\n" + " ".join(rng.choice(pools[name]) for _ in range(rng.choice(lengths[name])))
            for name in SECTIONS)
        folder = out / region
        folder.mkdir(parents=True, exist_ok=True)
        text = "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n\n" + body + "\n"
        (folder / f"{pid}.md").write_text(text, encoding="utf-8")
    return out


def _parse_all(root: Path) -> int:
    n = 0
    for path in record_files(root):
        text = path.read_text(encoding="utf-8")
        yaml.load(text.split("\n---", 1)[0][4:], Loader=_Loader)
        n += 1
    return n


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure_queries(index_dir: Path, reps: int) -> dict[str, list[float]]:
    """Return per query class the warm latencies (seconds) with facets and highlights."""
    from kb.search.index import Index, make_filters

    out: dict[str, list[float]] = {}
    with Index(index_dir) as ix:
        for cls, queries in QUERIES.items():
            prepared = [(q["q"], make_filters(q.get("region"), q.get("theme"), q.get("country"), q.get("year_from")))
                        for q in queries]
            for text, filters in prepared:
                ix.search(text, filters, 10)
            samples = []
            for _ in range(reps):
                for text, filters in prepared:
                    start = time.perf_counter()
                    ix.search(text, filters, 10)
                    samples.append(time.perf_counter() - start)
            out[cls] = samples
    return out


def _plain_documents(root: Path) -> list[dict[str, str]]:
    """The generated records as plain Whoosh reads them: id, title, body (front matter parsed)."""
    docs = []
    for path in record_files(root):
        text = path.read_text(encoding="utf-8")
        head, _, body = text[4:].partition("\n---")
        front = yaml.load(head, Loader=_Loader)
        docs.append({"id": str(front["id"]), "title": str(front["title"]), "body": body})
    return docs


def plain_build(root: Path, index_dir: Path) -> None:
    """The baseline: a plain Whoosh index of the same files (title and body, a stemming
    analyzer, default writer) built from scratch."""
    from whoosh import index as whoosh_index
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    if index_dir.exists():
        shutil.rmtree(index_dir)
    index_dir.mkdir(parents=True)
    schema = Schema(id=ID(stored=True, unique=True), title=TEXT(StemmingAnalyzer(), stored=True),
                    body=TEXT(StemmingAnalyzer(), stored=True))
    ix = whoosh_index.create_in(str(index_dir), schema)
    with ix.writer() as writer:
        for doc in _plain_documents(root):
            writer.add_document(**doc)


def plain_queries(index_dir: Path, reps: int) -> list[float]:
    """The baseline's warm latencies (seconds): every text query of QUERIES, BM25F over title
    and body, the top 10 with a highlighted fragment each."""
    from whoosh import index as whoosh_index
    from whoosh.qparser import MultifieldParser, OrGroup

    texts = [q["q"] for qs in QUERIES.values() for q in qs if q["q"]]
    ix = whoosh_index.open_dir(str(index_dir))
    with ix.searcher() as searcher:
        parser = MultifieldParser(["title", "body"], ix.schema, group=OrGroup)
        parsed = [parser.parse(t) for t in texts]

        def one(q: Any) -> None:
            for hit in searcher.search(q, limit=10):
                hit.highlights("body")

        for q in parsed:
            one(q)
        samples = []
        for _ in range(reps):
            for q in parsed:
                start = time.perf_counter()
                one(q)
                samples.append(time.perf_counter() - start)
    ix.close()
    return samples


def _edit_one(root: Path) -> Path:
    path = sorted(record_files(root))[len(record_files(root)) // 2]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## Summary\n", "## Summary\nEdited for the benchmark. ", 1), encoding="utf-8")
    return path


def run(practices: Path, sizes: list[int], reps: int = 3, reports: bool = True, workers: int = 4,
        progress: Callable[[str], None] | None = None, eu_workers: tuple[int, ...] = ()) -> dict[str, Any]:
    """Run the benchmark; return every figure (see `table`)."""
    from kb.search.build import build_index, read_stamp
    from kb.search.index import Index

    say = progress or (lambda _msg: None)
    templates = list(load_corpus(practices).practices)
    figures: list[Measure] = []
    work = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    try:
        say("real corpus")
        real_index = work / "real" / "index"
        samples = _timed(lambda: build_index(practices, real_index, full=True), reps)
        figures.append(Measure("index build, real corpus", statistics.median(samples), "s", target=3.0,
                              samples=samples))
        for size in sizes:
            say(f"{size} generated records")
            root = generate_corpus(templates, size, work / f"corpus-{size}")
            parse = _timed(lambda root=root: _parse_all(root), reps)
            floor_parse = statistics.median(parse)
            figures.append(Measure(f"floor: read + parse {size} files", floor_parse, "s", samples=parse))
            index = work / f"index-{size}"
            plain = work / f"plain-{size}"
            plain_b = _timed(lambda root=root, plain=plain: plain_build(root, plain), max(1, reps - 1))
            figures.append(Measure(f"baseline: plain Whoosh build, {size} records", statistics.median(plain_b), "s",
                                  samples=plain_b))
            build = _timed(lambda root=root, index=index: build_index(root, index, full=True), max(1, reps - 1))
            target = 20.0 if size >= 10000 else 3.0 if size <= 1000 else None
            figures.append(Measure(f"index build vs plain Whoosh, {size} records", statistics.median(build), "s",
                                  statistics.median(plain_b), 1.2, samples=build))
            figures.append(Measure(f"index build vs parsing, {size} records", statistics.median(build), "s",
                                  floor_parse, samples=build))
            figures.append(Measure(f"index build, {size} records (absolute)", statistics.median(build), "s",
                                  target=target, samples=build))
            figures.append(Measure(f"index build rate, {size} records", size / statistics.median(build), "docs/s"))
            gen = Path(read_stamp(index).path)
            figures.append(Measure(f"index size, {size} records",
                                  sum(f.stat().st_size for f in gen.rglob("*") if f.is_file()) / 2**20, "MiB"))
            one = sorted(record_files(root))[0]
            parse_one = _timed(lambda one=one: yaml.load(one.read_text(encoding="utf-8").split("\n---", 1)[0][4:],
                                                         Loader=_Loader), 20)
            floor_one = statistics.median(parse_one)
            edited = _edit_one(root)
            t_edit = _timed(lambda root=root, index=index: build_index(root, index), 1)[0]
            figures.append(Measure(f"incremental re-index after editing one record, {size}", t_edit, "s",
                                  target=0.1))
            added = edited.parent / "bench-added.md"
            shutil.copy(edited, added)
            added.write_text(added.read_text(encoding="utf-8").replace(f"id: {edited.stem}", "id: bench-added"),
                             encoding="utf-8")
            t_add = _timed(lambda root=root, index=index: build_index(root, index), 1)[0]
            figures.append(Measure(f"incremental re-index after adding one record, {size}", t_add, "s", floor_one))
            added.unlink()
            t_del = _timed(lambda root=root, index=index: build_index(root, index), 1)[0]
            figures.append(Measure(f"incremental re-index after deleting one record, {size}", t_del, "s", floor_one))
            opens = _timed(lambda index=index: Index(index).close(), 5)
            figures.append(Measure(f"index open, {size} records", statistics.median(opens) * 1000, "ms",
                                  samples=[x * 1000 for x in opens]))
            say(f"queries on {size} records")
            latencies = measure_queries(index, reps)
            baseline = [x * 1000 for x in plain_queries(plain, reps)]
            shutil.rmtree(plain, ignore_errors=True)
            floor_q = _quantile(baseline, 0.95)
            figures.append(Measure(f"baseline: plain Whoosh query p95 (top 10, highlights), {size}", floor_q, "ms",
                                  samples=baseline))
            everything = [x * 1000 for xs in latencies.values() for x in xs]
            for cls, xs in latencies.items():
                ms = [x * 1000 for x in xs]
                figures.append(Measure(f"query p95, {cls}, {size}", _quantile(ms, 0.95), "ms", samples=ms))
            figures.append(Measure(f"query p50, all classes, {size}", _quantile(everything, 0.5), "ms"))
            figures.append(Measure(f"query p95 vs plain Whoosh, all classes, {size}", _quantile(everything, 0.95),
                                  "ms", floor_q, 1.2))
            shutil.rmtree(root, ignore_errors=True)
        if reports:
            say("reports")
            figures += _measure_reports(real_index, work, reps, workers)
        if eu_workers:
            say("the EU batch")
            figures += measure_eu_batch(real_index, work, eu_workers)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "kb_version": __version__, "date": time.strftime("%Y-%m-%d"), "sizes": sizes, "reps": reps,
        "figures": [f.to_dict() for f in figures],
    }


def _batch_inputs(real_index: Path, work: Path) -> tuple[Path, Path, dict[str, str]]:
    """The report notebook, a trivial notebook (the floor: start a kernel, run an empty cell,
    export HTML) written under `work`, and the report parameters for `real_index`."""
    import nbformat

    trivial = work / "trivial.ipynb"
    if not trivial.exists():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                    nbformat.v4.new_code_cell("")]
        nbformat.write(nb, trivial)
    params = {"index_dir": str(real_index.resolve()), "workshops_dir": str(work / "none"), "generated_on": "bench"}
    return Path("notebooks/region_report.ipynb").resolve(), trivial, params


def _measure_reports(real_index: Path, work: Path, reps: int, workers: int) -> list[Measure]:
    from kb.notebooks import RenderJob, render_many, render_one

    notebook, trivial, params = _batch_inputs(real_index, work)
    out = work / "reports"
    render_one(trivial, RenderJob("warm", {}), out)
    render_one(notebook, RenderJob("warm-report", {**params, "region": "saxony"}), out)
    # The first parallel batch starts the worker pool's forkserver (imports papermill and
    # nbconvert once, about 3 s): start it before timing either batch.
    render_many(trivial, [RenderJob(f"warm-{i}", {}) for i in range(2)], out, workers=workers)
    floor, one = [], []
    for i in range(max(5, reps)):
        floor += _timed(lambda i=i: render_one(trivial, RenderJob(f"t{i}", {}), out), 1)
        one += _timed(lambda i=i: render_one(notebook, RenderJob(f"r{i}", {**params, "region": "saxony"}), out), 1)
    figures = [Measure("floor: start a kernel, run an empty cell (+ HTML)", statistics.median(floor), "s",
                      samples=floor),
               Measure("one report (exec + HTML)", statistics.median(one), "s", statistics.median(floor), 1.5, one)]
    batch_floor, batch = [], []
    for i in range(max(2, reps - 1)):
        batch_floor += _timed(lambda i=i: render_many(trivial, [RenderJob(f"b{i}-{s}", {}) for s in PILOT_REGIONS],
                                                      out, workers=workers), 1)
        batch += _timed(lambda: render_many(notebook, [RenderJob(s, {**params, "region": s}) for s in PILOT_REGIONS],
                                            out, workers=workers), 1)
    figures.append(Measure(f"floor: 12 trivial notebooks, {workers} workers", min(batch_floor), "s",
                          samples=batch_floor))
    figures.append(Measure(f"12 pilot reports, {workers} workers", min(batch), "s", min(batch_floor), 1.5, batch))
    return figures


def measure_eu_batch(real_index: Path, work: Path, worker_counts: tuple[int, ...] = (1, 2, 4)) -> list[Measure]:
    """The EU batch (`kb report --eu`: every NUTS 2 region with figures and the pilots) against
    the floor of as many trivial notebooks on the same workers, for each number of workers."""
    from kb.notebooks import RenderJob, render_many
    from kb.reports.batch import eu_regions

    notebook, trivial, params = _batch_inputs(real_index, work)
    targets = eu_regions()
    figures = []
    for workers in worker_counts:
        out = work / f"eu-{workers}"
        render_many(trivial, [RenderJob(f"warm-{i}", {}) for i in range(workers)], out, workers=workers)
        floor = _timed(lambda out=out, workers=workers: render_many(
            trivial, [RenderJob(f"t{i}", {}) for i in range(len(targets))], out, workers=workers), 1)[0]
        batch = _timed(lambda out=out, workers=workers: render_many(
            notebook, [RenderJob(r.slug, {**params, "region": r.slug}) for r in targets], out, workers=workers), 1)[0]
        figures.append(Measure(f"floor: {len(targets)} trivial notebooks, {workers} workers", floor, "s"))
        figures.append(Measure(f"EU batch, {len(targets)} reports, {workers} workers", batch, "s", floor, 1.5))
        shutil.rmtree(out, ignore_errors=True)
    return figures


def table(result: dict[str, Any]) -> str:
    """Return the figures as a fixed-width table: figure, value, floor, ratio, target, status."""
    rows = [("figure", "value", "floor", "ratio", "target", "")]
    for f in result["figures"]:
        unit = f["unit"]
        value = f"{f['value']:.3g} {unit}"
        floor = f"{f['floor']:.3g} {unit}" if f["floor"] else ""
        ratio = f"{f['ratio']:.2f}x" if f["ratio"] else ""
        target = (f"<= {f['target']:g}x" if f["floor"] else f"<= {f['target']:g} {unit}") if f["target"] else ""
        rows.append((f["name"], value, floor, ratio, target, f["status"]))
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def misses(result: dict[str, Any]) -> list[str]:
    return [f["name"] for f in result["figures"] if f["status"] == "miss"]


def dump(result: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(result, indent=1), encoding="utf-8")
