"""CPU and memory from /proc: a process, a set of processes by name, the whole machine."""

import os
from collections.abc import Callable
from dataclasses import dataclass

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def thread_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU seconds so far of each thread of `pid` (thread id -> seconds); the main
    thread's id is the pid (daphne's event loop runs there)."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(tid)] = (int(fields[11]) + int(fields[12])) / TICK
    return out


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def pids_named(name: str, keep: Callable[[str], bool] | None = None) -> list[int]:
    """Processes whose command name is `name`; keep(cmdline), when given, filters them."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() != name:
                        continue
                if keep is not None:
                    with open(f"/proc/{entry}/cmdline", "rb") as f:
                        if not keep(f.read().replace(b"\0", b" ").decode(errors="replace")):
                            continue
                found.append(int(entry))
            except OSError:
                continue
    return found


def postgres_of(databases: set[str]) -> Callable[[str], bool]:
    """A cmdline filter: PostgreSQL's own processes, and backends of these databases only.

    A backend's title is `postgres: <cluster>: <user> <database> <host>(<port>) <state>`
    (`[local]` for a Unix socket);
    the backends of other suites' databases are theirs ("other CPU"), not ours.
    """

    def keep(cmdline: str) -> bool:
        words = cmdline.split()
        for i, word in enumerate(words):
            if i >= 1 and (word == "[local]" or ("(" in word and word.endswith(")"))):
                return words[i - 1] in databases
        return True

    return keep


def machine() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot, from the first line of /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


@dataclass
class Snapshot:
    at: float
    cpu: dict[str, dict[int, float]]  # role -> pid -> CPU seconds so far
    busy: float
    total: float
    threads: dict[int, float] | None = None  # thread -> CPU seconds, of `threads_of`


class Sampler:
    """CPU % (100 = one core) per named role between two snapshots, and machine busy %."""

    def __init__(
        self,
        roles: dict[str, list[int]],
        by_name: tuple[str, ...] = (),
        keep: dict[str, Callable[[str], bool]] | None = None,
        threads_of: int | None = None,
    ) -> None:
        """threads_of: a server pid whose CPU is also split into its main thread (the
        event loop) and its other threads (the writer, asgiref's sync threads...)."""
        self.roles = roles
        self.threads_of = threads_of
        self.by_name = by_name
        self.keep = keep or {}
        self.cores = os.cpu_count() or 1

    def snap(self, at: float) -> Snapshot:
        # Processes found by name are looked up again each time (new database backends);
        # one that lived and died between two snapshots is not seen (it lands in "other").
        for name in self.by_name:
            self.roles[name] = pids_named(name, self.keep.get(name))
        busy, total = machine()
        cpu = {role: {p: cpu_seconds(p) for p in pids} for role, pids in self.roles.items()}
        threads = thread_cpu_seconds(self.threads_of) if self.threads_of else None
        return Snapshot(at, cpu, busy, total, threads)

    def between(self, a: Snapshot, b: Snapshot) -> dict[str, float]:
        wall = max(b.at - a.at, 1e-9)
        # Per process: a process new since `a` counts all its CPU (it started in between);
        # one gone by `b` is not counted (its last CPU lands in "other").
        out = {}
        for role in self.roles:
            before = a.cpu.get(role, {})
            used = sum(max(0.0, t - before.get(p, 0.0)) for p, t in b.cpu[role].items())
            out[f"{role}_cpu"] = 100 * used / wall
        machine_pct = 100 * self.cores * (b.busy - a.busy) / max(b.total - a.total, 1)
        out["machine_cpu"] = machine_pct
        out["other_cpu"] = max(0.0, machine_pct - sum(out[f"{r}_cpu"] for r in self.roles))
        if a.threads is not None and b.threads is not None and self.threads_of:
            used = {t: s - a.threads.get(t, 0.0) for t, s in b.threads.items()}
            main = used.pop(self.threads_of, 0.0)
            out["server_loop_cpu"] = 100 * main / wall
            out["server_threads_cpu"] = 100 * sum(max(0.0, u) for u in used.values()) / wall
        return out
