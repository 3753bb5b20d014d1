"""A coordinator editing: saves one published project every `--interval` seconds, through the
ORM with its signals, as the admin's change form does (`project.title = ...; project.save()`
in a transaction), so that whatever invalidation the site does on an edit runs.

Run by bench/run.py in its own process, with the server's environment (database, cache,
REDIS_URL). It prints "ready" once Django is set up, starts on a line on stdin, stops after
`--seconds` or `--max` saves (or on SIGTERM), and prints one line of JSON: the saves, how long
each took, and any error.

    python -m bench.editor --interval 1 --seconds 20
"""

import argparse
import json
import random
import signal
import statistics
import sys
import time

SUFFIX = " (redigerad)"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--interval", type=float, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--max", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()

    import django

    django.setup()
    from django.db import transaction

    from projects.models import Project

    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    published = Project.objects.published().filter(slug__startswith="demo-0")
    ids = list(published.values_list("pk", flat=True))
    rng = random.Random(options.seed)
    print("ready", flush=True)
    sys.stdin.readline()

    saves, errors = [], []
    started = time.monotonic()
    deadline = started + options.seconds
    number = 0
    while not stop["now"] and number < options.max:
        due = started + number * options.interval
        if due >= deadline:
            break
        time.sleep(max(0.0, due - time.monotonic()))
        number += 1
        began = time.perf_counter()
        try:
            with transaction.atomic():
                project = Project.objects.get(pk=rng.choice(ids))
                if project.title.endswith(SUFFIX):
                    project.title = project.title.removesuffix(SUFFIX)
                else:
                    project.title = project.title + SUFFIX
                project.save()
        except Exception as error:  # noqa: BLE001 - reported, the run goes on
            errors.append(repr(error))
        saves.append((time.perf_counter() - began) * 1000)
    print(json.dumps({
        "interval": options.interval,
        "saves": len(saves),
        "seconds": round(time.monotonic() - started, 1),
        "save_median_ms": round(statistics.median(saves), 1) if saves else None,
        "save_max_ms": round(max(saves), 1) if saves else None,
        "errors": errors[:5],
        "error_count": len(errors),
    }), flush=True)


if __name__ == "__main__":
    main()
