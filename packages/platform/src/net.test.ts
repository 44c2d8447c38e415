import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "@jest/globals";
import { freePort } from "./net.ts";

const netModule = fileURLToPath(new URL("./net.ts", import.meta.url));

const ephemeral = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
  .trim()
  .split(/\s+/)
  .map(Number) as [number, number];

/**
 * `size` ports in a row, above the kernel's ephemeral range: there no outgoing connection takes one meanwhile
 * (in the ephemeral range, another test's connections did: "no free port"), and `freePort`'s own pool is below.
 */
function someRange(size: number): [number, number] {
  // A range reaching 65535 leaves no room above: then low ports, below the pool.
  const [from, to] = ephemeral[1] < 65_000 ? [ephemeral[1] + 1, 65_535] : [2_000, 3_000];
  const low = from + Math.floor(Math.random() * Math.floor((to - from - size) / 10)) * 10;
  return [low, low + size - 1];
}

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(port, "127.0.0.1", () => resolve(srv));
  });
}

/** Runs `freePort` in another process, which keeps its reservation until its stdin closes. */
function reserveElsewhere(range: [number, number], dir: string) {
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { freePort } from ${JSON.stringify(netModule)};
       console.log(await freePort({ range: [${range[0]}, ${range[1]}], dir: ${JSON.stringify(dir)} }));
       process.stdin.resume();`,
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const port = new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d;
      if (out.includes("\n")) resolve(Number(out.trim()));
    });
    child.once("exit", (code) => reject(new Error(`reserving process exited ${code}: ${out}`)));
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  return {
    port,
    stop: () => {
      child.stdin.end();
      return exited;
    },
  };
}

describe("freePort", () => {
  it("draws from beside the kernel's ephemeral range, which bind-to-0 and outgoing connections use", async () => {
    const [low, high] = ephemeral;
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      expect(port < low || port > high).toBe(true);
    }
  });

  it("never gives two living processes the same port, and frees a port when its process exits", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ports-"));
    const range = someRange(3);
    const holders = [
      reserveElsewhere(range, dir),
      reserveElsewhere(range, dir),
      reserveElsewhere(range, dir),
    ];
    try {
      const ports = await Promise.all(holders.map((h) => h.port));
      expect(new Set(ports).size).toBe(3);
      // Every port of the range is held by a living process: nothing is left.
      await expect(freePort({ range, dir })).rejects.toThrow(/no free port/);
      // One holder exits: its port (and only it) is free again.
      await holders[0]?.stop();
      expect(await freePort({ range, dir })).toBe(ports[0]);
    } finally {
      await Promise.all(holders.map((h) => h.stop()));
    }
  });

  it("skips a port that something listens on, even with no reservation", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ports-"));
    const range = someRange(2);
    const busy = await listenOn(range[0]);
    try {
      for (let i = 0; i < 5; i++) {
        const port = await freePort({ range, dir: mkdtempSync(join(dir, "r")) });
        expect(port).toBe(range[1]);
      }
    } finally {
      busy.close();
    }
  });

  it("takes over the reservation of a process that was killed (its file is left behind)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ports-"));
    const range = someRange(1);
    const gone = spawn(process.execPath, ["-e", "0"]);
    const pid = gone.pid as number;
    await new Promise((done) => gone.once("exit", done));
    writeFileSync(join(dir, String(range[0])), String(pid));
    expect(await freePort({ range, dir })).toBe(range[0]);
    expect(readFileSync(join(dir, String(range[0])), "utf8")).toBe(String(process.pid));
  });
});
