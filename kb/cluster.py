"""The report batch on a Dask cluster: the same worker function as the local pool
(`kb.notebooks.render_one`, which writes each report atomically) run as Dask tasks, on a
scheduler at tcp://HOST:PORT or on a LocalCluster (`--scheduler local`). A task whose worker
dies is run again by Dask; a report that fails is tried once more and then listed. `dask` is an
optional extra: pip install -e '.[cluster]'."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kb.errors import KBError
from kb.notebooks import RenderJob, RenderOutcome, render_one

RETRIES = 1


class ClusterMissing(KBError):
    """dask.distributed is not installed."""

    exit_code = 2

    def __init__(self) -> None:
        super().__init__("--scheduler needs dask.distributed: pip install -e '.[cluster]'")


class ClusterUnreachable(KBError):
    """No scheduler answers at the address given."""


def _client(scheduler: str, workers: int) -> tuple[Any, Any]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise ClusterMissing() from exc
    if scheduler == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout="10s"), None
    except OSError as exc:
        raise ClusterUnreachable(f"no Dask scheduler answers at {scheduler}: {exc}", value=scheduler) from exc


def render_on_cluster(notebook: Path, jobs: list[RenderJob], out_dir: Path, scheduler: str, workers: int = 2,
                      progress: Callable[[RenderOutcome], None] | None = None) -> list[RenderOutcome]:
    """Render every job as a Dask task; return the outcomes in the jobs' order."""
    from dask.distributed import as_completed

    notebook, out_dir = Path(notebook).resolve(), Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    client, cluster = _client(scheduler, workers)
    outcomes: dict[str, RenderOutcome] = {}
    tries: dict[str, int] = {}
    start = time.perf_counter()
    try:
        by_key = {}
        futures = []
        for job in jobs:
            future = client.submit(render_one, notebook, job, out_dir, key=f"report-{job.name}-0", pure=False)
            by_key[future.key] = job
            futures.append(future)
        running = as_completed(futures)
        for future in running:
            job = by_key[future.key]
            try:
                outcome = future.result()
            except Exception as exc:  # the task itself failed (not a failed notebook, which is an outcome)
                outcome = RenderOutcome(job.name, False, None, str(out_dir / f"{job.name}.ipynb"),
                                        round(time.perf_counter() - start, 3), f"{type(exc).__name__}: {exc}")
            if not outcome.ok and tries.get(job.name, 0) < RETRIES:
                tries[job.name] = tries.get(job.name, 0) + 1
                again = client.submit(render_one, notebook, job, out_dir, key=f"report-{job.name}-{tries[job.name]}",
                                      pure=False)
                by_key[again.key] = job
                running.add(again)
                continue
            outcomes[job.name] = outcome
            if progress is not None:
                progress(outcome)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return [outcomes[job.name] for job in jobs]
