"""Bounded, self-stopping load against 127.0.0.1 only.

`wrk` (Debian's package) when it is installed: it costs the two shared cores far less than a
Python client, which matters when /healthz answers thousands of requests a second. Otherwise
threads with http.client. Either way every run stops after `seconds` (and the Python client
also after `max_requests`), and the result has the same keys: requests, rps, the latency
percentiles in ms, and errors (any answer that is not a 200, a refused or reset connection, a
timeout).
"""

import json
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from http.client import HTTPConnection
from pathlib import Path

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 60  # Longer than gunicorn's worker timeout: a stuck request shows as an error.
MAX_REQUESTS = 200_000

WRK_SCRIPT = r"""
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  paths = args
  position = 0
  bad = 0
  headers = {}
  for name, value in string.gmatch(os.getenv("BENCH_HEADERS") or "", "([^:\n]+): ([^\n]+)") do
    headers[name] = value
  end
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position], headers)
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local bad_total = 0
  for _, thread in ipairs(threads) do bad_total = bad_total + thread:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "non_200": %d, "connect": %d, ' ..
    '"read": %d, "write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, bad_total, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
end
"""


def have_wrk():
    return shutil.which("wrk") is not None


def run(port, paths, seconds, connections, headers=None, use_wrk=None):
    """Load `paths` (in turn, over `connections` connections) for `seconds`."""
    if use_wrk is None:
        use_wrk = have_wrk()
    if use_wrk:
        return _wrk(port, paths, seconds, connections, headers or {})
    return _threads(port, paths, seconds, connections, headers or {})


def _wrk(port, paths, seconds, connections, headers):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        environment = {"BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in headers.items())}
        result = subprocess.run(
            ["wrk", "--threads", "1", "--connections", str(connections),
             "--duration", f"{max(1, round(seconds))}s", "--timeout", f"{REQUEST_TIMEOUT}s",
             "--script", script.name, f"http://{HOST}:{port}", "--", *paths],
            capture_output=True, text=True, timeout=seconds + REQUEST_TIMEOUT + 30,
            env={"PATH": "/usr/bin:/bin", **environment},
        )
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next((line for line in result.stdout.splitlines() if line.startswith("BENCH_JSON")),
                None)
    if line is None:
        raise RuntimeError(f"wrk gave no figures: {result.stdout}\n{result.stderr}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    requests = raw["requests"]
    seconds_run = raw["duration_us"] / 1e6
    return {
        "tool": "wrk",
        "paths": paths,
        "connections": connections,
        "seconds": round(seconds_run, 1),
        "requests": requests,
        "rps": round((requests - raw["non_200"]) / seconds_run, 1) if seconds_run else 0,
        "median_ms": round(raw["p50_us"] / 1000, 1),
        "p90_ms": round(raw["p90_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
        "errors": raw["non_200"] + socket_errors,
        "non_200": raw["non_200"],
        "socket_errors": {key: raw[key] for key in ("connect", "read", "write", "timeout")},
    }


def get(port, path, headers=None, timeout=REQUEST_TIMEOUT):
    """One GET; (status, body bytes, seconds)."""
    connection = HTTPConnection(HOST, port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers={"Host": HOST, **(headers or {})})
        response = connection.getresponse()
        body = response.read()
        return response.status, body, time.perf_counter() - started
    finally:
        connection.close()


def _threads(port, paths, seconds, connections, headers):
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    latencies, counts = [], {"ok": 0, "non_200": 0, "socket": 0}

    def client(offset):
        position = offset
        while time.monotonic() < deadline:
            with lock:
                if counts["ok"] + counts["non_200"] + counts["socket"] >= MAX_REQUESTS:
                    return
            path = paths[position % len(paths)]
            position += 1
            try:
                status, _body, took = get(port, path, headers)
            except OSError:
                with lock:
                    counts["socket"] += 1
                continue
            with lock:
                counts["ok" if status == 200 else "non_200"] += 1
                latencies.append(took * 1000)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies) or [0.0]
    return {
        "tool": "python",
        "paths": paths,
        "connections": connections,
        "seconds": round(elapsed, 1),
        "requests": sum(counts.values()),
        "rps": round(counts["ok"] / elapsed, 1),
        "median_ms": round(statistics.median(ordered), 1),
        "p90_ms": round(percentile(ordered, 90), 1),
        "p95_ms": round(percentile(ordered, 95), 1),
        "p99_ms": round(percentile(ordered, 99), 1),
        "max_ms": round(ordered[-1], 1),
        "errors": counts["non_200"] + counts["socket"],
        "non_200": counts["non_200"],
        "socket_errors": {"any": counts["socket"]},
    }


def percentile(ordered, percent):
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def sequential(port, path, samples, seconds, headers=None):
    """One client, one request after the other: median and p95 of up to `samples` GETs in at
    most `seconds` (at least 3), after one unmeasured GET."""
    status, body, _ = get(port, path, headers)
    took = []
    statuses = {status}
    deadline = time.monotonic() + seconds
    while len(took) < samples and (time.monotonic() < deadline or len(took) < 3):
        status, body, seconds_taken = get(port, path, headers)
        statuses.add(status)
        took.append(seconds_taken * 1000)
    ordered = sorted(took)
    return {
        "path": path,
        "statuses": sorted(statuses),
        "bytes": len(body),
        "samples": len(took),
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(percentile(ordered, 95), 1),
        "max_ms": round(ordered[-1], 1),
    }
