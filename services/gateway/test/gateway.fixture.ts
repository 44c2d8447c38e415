// The gateway int tests' fixture: fake todo and job-status backends for the describe block (or file), gateways
// started on them with a test's changes (stopped after), and optionally one gateway started up front.
import { afterAll, beforeAll } from "@jest/globals";
import { createGatewayApp, type GatewayConfig, loadConfig } from "../src/app.ts";
import { type FakeBackend, startFakeBackend } from "./fake-backend.ts";

type Change = Partial<GatewayConfig> | ((base: GatewayConfig) => Partial<GatewayConfig>);

export function useGateway(upFront?: Partial<GatewayConfig>) {
  const running: Array<() => Promise<void>> = [];
  let todo: FakeBackend | undefined;
  let jobs: FakeBackend | undefined;
  let url: string | undefined;
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started (use it inside tests and hooks)`);
    return value;
  };

  /** A gateway on the fake backends (quiet, free port) with `change` on top; returns its URL. */
  async function start(change: Change = {}, now?: () => number): Promise<string> {
    const [t, j] = [ready(todo, "the fake todo"), ready(jobs, "the fake job-status")];
    const base: GatewayConfig = {
      ...loadConfig({}),
      port: 0,
      logLevel: "silent",
      upstreams: { todo: t.url, calendarExport: t.url, jobStatus: j.url, calendar: t.url },
    };
    const gateway = createGatewayApp(
      { ...base, ...(typeof change === "function" ? change(base) : change) },
      now ? { now } : {},
    );
    const started = await gateway.start();
    running.push(() => gateway.stop());
    return started.url;
  }

  beforeAll(async () => {
    todo = await startFakeBackend("todo");
    jobs = await startFakeBackend("job-status");
    if (upFront) url = await start(upFront);
  });
  afterAll(async () => {
    for (const stop of running.reverse()) await stop();
    await todo?.close();
    await jobs?.close();
  });

  return {
    start,
    get todo() {
      return ready(todo, "the fake todo");
    },
    get jobs() {
      return ready(jobs, "the fake job-status");
    },
    /** The gateway started up front. */
    get url() {
      return ready(url, "the up-front gateway");
    },
    /** The last request a fake backend received. */
    last: (b: FakeBackend) => b.received[b.received.length - 1],
  };
}
