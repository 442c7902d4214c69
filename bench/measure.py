"""Timing helpers: repeated runs after a warm-up, percentiles, memory."""

import json
import statistics
import time
import tracemalloc
from dataclasses import dataclass, field


@dataclass
class Timing:
    name: str
    samples_ms: list[float] = field(default_factory=list)
    peak_kib: int = 0

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def time_it(
    name: str, call, *, repeat: int, warmup: int = 3, trace: bool = True
) -> Timing:
    """Time `call` untraced, then trace one more call for its peak memory:
    tracemalloc slows every allocation, which would inflate the Python
    side of a measure far more than its SQL floor."""
    for _ in range(warmup):
        call()
    timing = Timing(name)
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timing.samples_ms.append((time.perf_counter() - started) * 1000)
    if not trace:
        return timing
    tracemalloc.start()
    call()
    timing.peak_kib = tracemalloc.get_traced_memory()[1] // 1024
    tracemalloc.stop()
    return timing


def raw_sql_call(connection, statements: list[tuple[str, list]]):
    """The floor: the same rows through a raw psycopg cursor, encoded to
    JSON, with nothing of Django in between."""
    raw = connection.connection

    def call():
        results = []
        with raw.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                results.append(cursor.fetchall())
        return json.dumps(results, default=str)

    return call


def table(rows: list[dict]) -> str:
    header = (
        f"{'measure':<30} {'p50 ms':>9} {'p95 ms':>9} {'floor p50':>10} "
        f"{'floor p95':>10} {'×p50':>6} {'×p95':>6} {'peak KiB':>9}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        floor = (
            f"{row['floor_p50_ms']:>10.2f} {row['floor_p95_ms']:>10.2f} "
            f"{row['ratio_p50']:>6.2f} {row['ratio_p95']:>6.2f}"
            if "floor_p50_ms" in row
            else f"{row.get('floor_note', '(write)'):>10} {'':>10} {'':>6} {'':>6}"
        )
        lines.append(
            f"{row['name']:<30} {row['p50_ms']:>9.2f} {row['p95_ms']:>9.2f} {floor} "
            f"{row['peak_kib']:>9}"
        )
    return "\n".join(lines)
