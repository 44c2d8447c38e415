import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where ports are reserved across processes: one file per port, holding the reserving process's pid. */
export const portReservations = join(tmpdir(), "taskoverflow-ports");

/** How many ports next to the kernel's ephemeral range `freePort` draws from. */
const poolSize = 12_000;

/**
 * A TCP port that is free on 127.0.0.1 and stays this process's until it exits (the launcher's random ports,
 * the harness's servers, tests' closed ports).
 *
 * The port is taken for a while before anything binds it: a service is spawned with it and binds it seconds
 * later, after its migrations. A port the kernel picked (bind to 0) could meanwhile be handed to anyone else's
 * bind to 0 or outgoing connection, and a second stack's service would then answer on our URL. So the port
 * comes from beside the kernel's ephemeral range (which neither hands out) and is reserved by a file that
 * names this process, so no other process of the project picks it while this one lives. A reservation whose
 * process has died is taken over.
 */
export async function freePort(options: { range?: [number, number]; dir?: string } = {}): Promise<number> {
  const [low, high] = options.range ?? pool();
  const dir = options.dir ?? portReservations;
  mkdirSync(dir, { recursive: true });
  const span = high - low + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < Math.min(span, 1_000); i++) {
    const port = low + ((start + i) % span);
    if (!reserve(dir, port)) continue;
    if (await bindable(port)) return port;
    release(dir, port);
  }
  throw new Error(`no free port in ${low}-${high} (reservations in ${dir})`);
}

let poolRange: [number, number] | undefined;

/** The pool: below the kernel's ephemeral range when there is room, else above it (read once). */
function pool(): [number, number] {
  poolRange ??= poolBeside();
  return poolRange;
}

function poolBeside(): [number, number] {
  let [low, high] = [32_768, 60_999];
  try {
    const read = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
      .trim()
      .split(/\s+/)
      .map(Number);
    if (read.length === 2 && read.every(Number.isInteger)) [low, high] = read as [number, number];
  } catch {
    // not Linux: the common default
  }
  if (low - 1_024 >= poolSize) return [low - poolSize, low - 1];
  if (65_535 - high >= poolSize) return [high + 1, high + poolSize];
  // The ephemeral range covers nearly everything: the reservation still keeps our own processes apart.
  return [Math.max(1_024, low), high];
}

const held = new Set<string>();
let releasesOnExit = false;

/** The reservations go when this process exits: the listener is added with the first one. */
function holdUntilExit(file: string): void {
  held.add(file);
  if (releasesOnExit) return;
  releasesOnExit = true;
  process.once("exit", () => {
    for (const f of held) {
      try {
        unlinkSync(f);
      } catch {
        // already gone
      }
    }
  });
}

/** Takes the reservation file of a port, or takes it over from a process that has died. */
function reserve(dir: string, port: number): boolean {
  const file = join(dir, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      holdUntilExit(file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (alive(file)) return false;
      try {
        unlinkSync(file);
      } catch {
        // another process took it over first
      }
    }
  }
  return false;
}

function release(dir: string, port: number): void {
  const file = join(dir, String(port));
  held.delete(file);
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** Whether the process named in a reservation file still runs (a file still being written counts as alive). */
function alive(file: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(file, "utf8"));
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ port, host: "127.0.0.1", exclusive: true }, () => srv.close(() => resolve(true)));
  });
}
