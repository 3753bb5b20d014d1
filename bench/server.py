"""gunicorn as deployed (gunicorn.conf.py), on a free port of 127.0.0.1, for one measurement.

Only the bind address, the number of workers (WEB_CONCURRENCY), the access log (off: it would
cost the two cores as much as some pages) and the error log (a file, read afterwards for worker
timeouts, tracebacks and restarts) differ from the project's own configuration.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from . import databases, load

BASE_DIR = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    def __init__(self, environment, workers, log_path):
        self.environment = {**environment, "WEB_CONCURRENCY": str(workers),
                            "GUNICORN_LOG_LEVEL": "info"}
        self.workers = workers
        self.log_path = Path(log_path)
        self.port = free_port()
        self.process = None

    def __enter__(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = self.log_path.open("a")
        self.log.write(f"--- gunicorn, {self.workers} workers, port {self.port}\n")
        self.log.flush()
        self.process = subprocess.Popen(
            [GUNICORN, "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}",
             "--access-logfile", "/dev/null", "--error-logfile", "-", "--no-control-socket"],
            cwd=databases.source_dir(), env=self.environment, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()

    def wait_until_up(self, timeout=120):
        """Until /healthz answers 200 (the first worker has loaded the application)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                if load.get(self.port, "/healthz", timeout=30)[0] == 200:
                    return time.monotonic() - self.started
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer /healthz; see {self.log_path}")

    def wait_for_workers(self, timeout=60):
        """Until every worker has booted (its "Booting worker" line) and a moment to load the
        application; a request sent before then would wait for a worker to finish booting."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.worker_pids()) < self.workers:
            time.sleep(0.1)
        self.wait_until_up()
        time.sleep(1.5)

    def worker_pids(self):
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return [int(pid) for pid in children.read_text().split()]
        except (OSError, ValueError):
            return []

    def cpu_seconds(self):
        """CPU time the server has used: the master, its live workers, and (through the
        master's children's times) every worker it has reaped, recycled ones included."""
        master = cpu_times(self.process.pid, children=True)
        return master + sum(cpu_times(pid) for pid in self.worker_pids())

    def memory(self):
        """Each worker's resident memory and its peak, in MiB."""
        return [status(pid) for pid in self.worker_pids()]

    def workers_booted(self):
        """How many workers the server has started so far, the first ones included."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return len(re.findall(r"Booting worker with pid", text))

    def log_summary(self):
        """What the error log says: workers booted (the first ones and every restart, e.g. by
        max_requests or after a timeout), worker timeouts, tracebacks and other errors."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        errors = [line for line in text.splitlines()
                  if "[ERROR]" in line or "[CRITICAL]" in line]
        return {
            "log": str(self.log_path.relative_to(BASE_DIR)),
            "workers_booted": len(re.findall(r"Booting worker with pid", text)),
            "worker_timeouts": text.count("WORKER TIMEOUT"),
            "tracebacks": text.count("Traceback (most recent call last)"),
            "error_lines": len(errors),
            "first_errors": errors[:5],
        }


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_times(pid, children=False):
    """User and system CPU seconds of a process (and of its reaped children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def postgres_backends(database):
    """{pid: CPU seconds} of the PostgreSQL backends now connected to `database`."""
    backends = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if command.startswith(b"postgres:") and f" {database} ".encode() in command:
            backends[int(entry.name)] = cpu_times(int(entry.name))
    return backends


def postgres_cpu_since(before, database):
    """CPU seconds the backends of `database` used since `before` (a postgres_backends()):
    each live backend's growth, a new one's whole time. A backend that has exited since (its
    worker was recycled) is left out, so this is a lower bound when workers reconnect."""
    now = postgres_backends(database)
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in now.items())


class TaskWorker:
    """`manage.py db_worker` (django-tasks' database backend), for exports that the site
    writes as background jobs; does nothing when the code has no such command."""

    def __init__(self, environment, log_path):
        self.environment = environment
        self.log_path = Path(log_path)
        self.process = None

    def __enter__(self):
        check = subprocess.run(
            [sys.executable, "manage.py", "help", "db_worker"], cwd=databases.source_dir(),
            env=self.environment, capture_output=True, text=True,
        )
        if check.returncode:
            return self
        self.log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay",
             "--verbosity", "0"],
            cwd=databases.source_dir(), env=self.environment, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        return self

    def __exit__(self, *exc_info):
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def pid(self):
        return self.process.pid if self.process and self.process.poll() is None else None


def status(pid):
    """{"pid", "rss_mib", "hwm_mib"} from /proc/<pid>/status."""
    figures = {"pid": pid, "rss_mib": None, "hwm_mib": None}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return figures
    for key, name in (("VmRSS", "rss_mib"), ("VmHWM", "hwm_mib")):
        match = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
        if match:
            figures[name] = round(int(match.group(1)) / 1024, 1)
    return figures


def reset_peak(pid):
    """Start the process's peak resident memory (VmHWM) again from its current size."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False
