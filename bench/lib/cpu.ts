// CPU time per process group, read from Linux /proc: what a workload cost each service, its PostgreSQL and the
// broker, so that a latency figure comes with where the cycles went.
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  ticks: number;
}

function readProcs(): Proc[] {
  const procs: Proc[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // comm is in parentheses and may hold spaces; the fields after it are space-separated.
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      procs.push({
        pid: Number(entry),
        ppid: Number(fields[1]),
        comm,
        ticks: Number(fields[11]) + Number(fields[12]),
      });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return procs;
}

/**
 * Groups: each named root pid with its descendants (a service and whatever it started), every process named
 * `postgres` (the server and its backends, which pg_ctl detaches from us), and `other` for the rest of the
 * machine. Returns a snapshot function; the difference of two snapshots is CPU ms per group.
 */
export function cpuGroups(roots: Record<string, number | undefined>) {
  const named = Object.entries(roots).filter((e): e is [string, number] => e[1] !== undefined);
  const snapshot = () => {
    const procs = readProcs();
    const parent = new Map(procs.map((p) => [p.pid, p.ppid]));
    const groupOf = (p: Proc): string => {
      if (p.comm === "postgres") return "postgres";
      for (let pid: number | undefined = p.pid; pid !== undefined && pid > 1; pid = parent.get(pid)) {
        const root = named.find(([, r]) => r === pid);
        if (root) return root[0];
      }
      return "other";
    };
    return new Map(procs.map((p) => [p.pid, { group: groupOf(p), ticks: p.ticks }]));
  };
  return {
    snapshot,
    /** CPU ms per group between two snapshots (a process that started in between counts whole). */
    since(before: ReturnType<typeof snapshot>): Record<string, number> {
      const out: Record<string, number> = {};
      for (const [pid, now] of snapshot()) {
        const ticks = now.ticks - (before.get(pid)?.ticks ?? 0);
        out[now.group] = (out[now.group] ?? 0) + (ticks * 1000) / TICKS_PER_SECOND;
      }
      return out;
    },
  };
}
