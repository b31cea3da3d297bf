"""The ``spark-submit`` entry point: the same partitioned, resumable run as
``ringfence screen --engine spark``, on the session spark-submit made (YARN, Kubernetes)::

    spark-submit --master yarn --deploy-mode client \\
        $(python -c 'import ringfence.screening.runners.spark_submit as m; print(m.__file__)') \\
        hdfs:///listings/2026-11-25 /shared/verdicts/2026-11-25 --index registry.rfi

An output directory must be on a filesystem every executor also mounts (the run's manifest and
atomic renames are local file operations); an output URI (``s3://bucket/verdicts/``) is a Delta
table the executors write to directly, with their own ``AWS_*`` environment
(``spark.executorEnv.*``). Executors need ringfence installed
(the same wheel) or shipped with ``--py-files``/``--archives``. Exit codes as the CLI's: 2 with
one line on stderr for bad input."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from ringfence.core.errors import RingfenceError
from ringfence.screening.index import builtin_data, load_index
from ringfence.screening.runners.dataset import screen_dataset
from ringfence.screening.runners.local import DEFAULT_BATCH
from ringfence.screening.runners.spark_runner import SparkPartitions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ringfence-spark-screen", description=__doc__)
    parser.add_argument("source", help="Parquet file, directory or URI of partitions")
    parser.add_argument("out", help="output directory or table URI (resumable run)")
    parser.add_argument("--index", type=Path, help="index file; the built-in registry if omitted")
    parser.add_argument("--today", help="date for listings without listed_at (YYYY-MM-DD)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
    parser.add_argument("--chunk-size", type=int, default=256, help="partitions per commit")
    args = parser.parse_args(argv)
    try:
        day = date.fromisoformat(args.today) if args.today else datetime.now(UTC).date()
        data = load_index(args.index) if args.index else builtin_data()
        summary = screen_dataset(
            args.source,
            args.out,
            data=data,
            today=day,
            engine=lambda: SparkPartitions(
                data, today=day, batch_size=args.batch_size, chunk_size=args.chunk_size
            ),
        )
    except (RingfenceError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
