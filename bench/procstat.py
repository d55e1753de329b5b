"""CPU and memory from /proc: a process, a set of processes by name, the whole machine."""

import os
from dataclasses import dataclass

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def pids_named(name: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() == name:
                        found.append(int(entry))
            except OSError:
                continue
    return found


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
    cpu: dict[str, float]
    busy: float
    total: float


class Sampler:
    """CPU % (100 = one core) per named role between two snapshots, and machine busy %."""

    def __init__(self, roles: dict[str, list[int]], by_name: tuple[str, ...] = ()) -> None:
        self.roles = roles
        self.by_name = by_name
        self.cores = os.cpu_count() or 1

    def snap(self, at: float) -> Snapshot:
        # Processes found by name are looked up again each time (new database backends);
        # one that lived and died between two snapshots is not seen (it lands in "other").
        for name in self.by_name:
            self.roles[name] = pids_named(name)
        busy, total = machine()
        cpu = {role: sum(cpu_seconds(p) for p in pids) for role, pids in self.roles.items()}
        return Snapshot(at, cpu, busy, total)

    def between(self, a: Snapshot, b: Snapshot) -> dict[str, float]:
        wall = max(b.at - a.at, 1e-9)
        # A process that exited in between would count negative: clamp at zero.
        out = {
            f"{role}_cpu": max(0.0, 100 * (b.cpu[role] - a.cpu[role]) / wall) for role in self.roles
        }
        machine_pct = 100 * self.cores * (b.busy - a.busy) / max(b.total - a.total, 1)
        out["machine_cpu"] = machine_pct
        out["other_cpu"] = max(0.0, machine_pct - sum(out[f"{r}_cpu"] for r in self.roles))
        return out
