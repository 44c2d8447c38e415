import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import ICAL from "ical.js";
import { dockerEnv } from "../src/docker.ts";
import { freePort } from "../src/free-port.ts";
import { waitFor } from "../src/wait.ts";

/**
 * The real docker-compose.yml, with images built from the real Dockerfile, driven through the gateway only.
 * The setup (src/jest/containers-setup.ts) chose the engine and the images and says which in the output.
 */
const setup = JSON.parse(process.env.TASKOVERFLOW_COMPOSE ?? "null") as {
  command: string[];
  files: string[];
  root: string;
} | null;
if (!setup) throw new Error("TASKOVERFLOW_COMPOSE is not set: run this tier with `npm test -- containers`");

const project = "taskoverflow-containers-test";
const timings: Array<[string, number]> = [];
/** Tests that reached their end; the containers' logs are printed when one did not. */
let completed = 0;
let gatewayPort = 0;

interface Result {
  code: number;
  output: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, {
      cwd: setup?.root,
      env: { ...dockerEnv(), GATEWAY_PORT: String(gatewayPort), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => resolveRun({ code: code ?? 1, output }));
  });
}

async function compose(...args: string[]): Promise<string> {
  const [cmd, ...pre] = setup?.command ?? [];
  const fileArgs = (setup?.files ?? []).flatMap((f) => ["-f", f]);
  const r = await run(cmd as string, [...pre, "-p", project, ...fileArgs, ...args]);
  if (r.code !== 0)
    throw new Error(`compose ${args.join(" ")} failed (${r.code}):\n${r.output.slice(-4000)}`);
  return r.output;
}

async function docker(...args: string[]): Promise<string> {
  const r = await run("docker", args);
  if (r.code !== 0) throw new Error(`docker ${args.join(" ")} failed (${r.code}):\n${r.output}`);
  return r.output.trim();
}

async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await f();
  } finally {
    timings.push([what, Math.round(performance.now() - started) / 1000]);
  }
}

const api = (path: string, init?: RequestInit) =>
  fetch(`http://127.0.0.1:${gatewayPort}/api/v1${path}`, {
    ...init,
    headers: { "content-type": "application/json", ...init?.headers },
  });

async function json<T>(res: Response | Promise<Response>, status = 200): Promise<T> {
  const r = await res;
  const text = await r.text();
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Gateway up and every backend ready, as seen from the host through the published port. */
function systemReady(timeoutMs = 180_000) {
  return waitFor(async () => (await api("/ready")).ok, {
    timeoutMs,
    intervalMs: 500,
    what: "the gateway's /ready",
  });
}

interface Todo {
  id: number;
  title: string;
}

async function exportCalendar(): Promise<string> {
  const { task_id } = await json<{ task_id: string }>(api("/todos/ical", { method: "POST" }), 202);
  return task_id;
}

async function finished(taskId: string, timeoutMs = 120_000): Promise<string> {
  return waitFor(
    async () => {
      const s = await json<{ task_status: string }>(api(`/todos/ical/${taskId}/status`));
      if (s.task_status === "FAILURE") throw new Error(`job ${taskId} failed`);
      return s.task_status === "SUCCESS" ? s.task_status : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `calendar job ${taskId} to reach SUCCESS` },
  );
}

async function calendarSummaries(taskId: string): Promise<string[]> {
  const res = await api(`/todos/ical/${taskId}/result`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`result of ${taskId}: ${res.status} ${text}`);
  expect(res.headers.get("content-type")).toMatch(/text\/calendar/);
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar
    .getAllSubcomponents("vevent")
    .map((e) => String(e.getFirstPropertyValue("summary")))
    .sort();
}

async function containerState(service: string) {
  const id = (await compose("ps", "-q", service)).trim().split("\n").pop() ?? "";
  const [pid, restarts, health, status] = (
    await docker(
      "inspect",
      "-f",
      "{{.State.Pid}} {{.RestartCount}} {{.State.Health.Status}} {{.State.Status}}",
      id,
    )
  ).split(" ");
  return { id, pid: Number(pid), restarts: Number(restarts), health, status };
}

describe("docker compose: the whole system in containers", () => {
  let firstJob = "";

  beforeAll(async () => {
    gatewayPort = await freePort();
    process.stderr.write(
      `[containers] compose files: ${setup.files.join(", ")}; gateway on 127.0.0.1:${gatewayPort}\n`,
    );
    await compose("down", "-v", "--remove-orphans");
    await timed("build the four images", () => compose("build"));
    await timed("up until ready", async () => {
      await compose("up", "-d");
      await systemReady();
    });
  }, 1_200_000);

  afterAll(async () => {
    if (completed < 4 || process.env.TASKOVERFLOW_CONTAINERS_LOGS === "1") {
      process.stderr.write(await compose("logs", "--no-color", "--tail", "40").catch((e) => String(e)));
    }
    await compose("down", "-v", "--remove-orphans").catch((e) => process.stderr.write(`${e}\n`));
    process.stderr.write(`[containers] timings: ${timings.map(([w, s]) => `${w} ${s} s`).join("; ")}\n`);
  }, 180_000);

  it("keeps todos behind the gateway (published on 127.0.0.1 only)", async () => {
    const ports = await docker("port", (await containerState("gateway")).id, "6400/tcp");
    expect(ports).toBe(`127.0.0.1:${gatewayPort}`);
    const a = await json<Todo>(
      api("/todos", {
        method: "POST",
        body: JSON.stringify({ title: "Project Proposal", deadline_at: "2023-04-03T14:00:00" }),
      }),
      201,
    );
    await json<Todo>(
      api("/todos", {
        method: "POST",
        body: JSON.stringify({ title: "Demo", deadline_at: "2023-05-30T10:00:00" }),
      }),
      201,
    );
    const all = await json<Todo[]>(api("/todos"));
    expect(all.map((t) => t.title).sort()).toEqual(["Demo", "Project Proposal"]);
    expect(a.id).toBe(1);
    completed += 1;
  });

  it("exports a calendar to SUCCESS, and the .ics parses with both todos", async () => {
    firstJob = await exportCalendar();
    await timed("export to SUCCESS", () => finished(firstJob));
    expect(await calendarSummaries(firstJob)).toEqual(["Demo", "Project Proposal"]);
    completed += 1;
  }, 180_000);

  it("keeps todos and calendars across `down` and `up`", async () => {
    await timed("down and up until ready", async () => {
      await compose("down");
      await compose("up", "-d");
      await systemReady();
    });
    const all = await json<Todo[]>(api("/todos"));
    expect(all.map((t) => t.title).sort()).toEqual(["Demo", "Project Proposal"]);
    expect((await json<{ task_status: string }>(api(`/todos/ical/${firstJob}/status`))).task_status).toBe(
      "SUCCESS",
    );
    expect(await calendarSummaries(firstJob)).toEqual(["Demo", "Project Proposal"]);
    completed += 1;
  }, 300_000);

  it("brings a killed calendar service back by its restart policy, and the job requested meanwhile finishes", async () => {
    const before = await containerState("calendar");
    expect(before.status).toBe("running");
    // SIGKILL from the host, as a crash would: `docker kill` or `stop` would count as stopped by hand.
    process.kill(before.pid, "SIGKILL");
    await json<Todo>(
      api("/todos", {
        method: "POST",
        body: JSON.stringify({ title: "After the crash", deadline_at: "2023-06-01T09:00:00" }),
      }),
      201,
    );
    const job = await exportCalendar();
    await timed("crash, restart and the job to SUCCESS", async () => {
      await waitFor(async () => (await containerState("calendar")).restarts > before.restarts, {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: "docker to restart the killed calendar container",
      });
      await finished(job, 180_000);
    });
    const after = await containerState("calendar");
    expect(after.pid).not.toBe(before.pid);
    expect(await calendarSummaries(job)).toEqual(["After the crash", "Demo", "Project Proposal"]);
    completed += 1;
  }, 300_000);
});
