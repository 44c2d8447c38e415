// The gateway int tests' fixture: fake todo and job-status backends for the describe block (or file), gateways
// started on them with a test's changes (stopped after), and optionally one gateway started up front.
import { afterAll, beforeAll } from "@jest/globals";
import { createGatewayApp, type GatewayConfig, loadConfig } from "../src/app.ts";
import { type FakeBackend, startFakeBackend } from "./fake-backend.ts";

type Change = Partial<GatewayConfig> | ((base: GatewayConfig) => Partial<GatewayConfig>);

/** Every upstream of the gateway at one URL (a closed port, one fake backend). */
export const everyUpstream = (url: string): GatewayConfig["upstreams"] => ({
  todo: url,
  calendarExport: url,
  jobStatus: url,
  calendar: url,
  explorer: url,
});

/** The fields are set by the beforeAll hook this registers: read them in tests and later hooks. */
export function useGateway(upFront?: Partial<GatewayConfig>) {
  const running: Array<() => Promise<void>> = [];
  const g = {} as { todo: FakeBackend; jobs: FakeBackend /** The gateway started up front. */; url: string };

  /** A gateway on the fake backends (quiet, free port) with `change` on top; returns its URL. */
  async function start(change: Change = {}, now?: () => number): Promise<string> {
    const base: GatewayConfig = {
      ...loadConfig({}),
      port: 0,
      logLevel: "silent",
      upstreams: { ...everyUpstream(g.todo.url), jobStatus: g.jobs.url },
    };
    const changes = typeof change === "function" ? change(base) : change;
    const gateway = createGatewayApp({ ...base, ...changes }, now ? { now } : {});
    const started = await gateway.start();
    running.push(() => gateway.stop());
    return started.url;
  }

  beforeAll(async () => {
    g.todo = await startFakeBackend("todo");
    g.jobs = await startFakeBackend("job-status");
    if (upFront) g.url = await start(upFront);
  });
  afterAll(async () => {
    for (const stop of running.reverse()) await stop();
    await g.todo?.close();
    await g.jobs?.close();
  });

  /** The last request a fake backend received. */
  const last = (b: FakeBackend) => b.received[b.received.length - 1];
  return Object.assign(g, { start, last });
}
