// The gateway's liveness, and its readiness: the backends the todo flow needs make it unavailable when one is down;
// the explorer is optional, its outage is reported and the gateway stays ready (degraded).
import { describe, expect, it } from "@jest/globals";
import { freePort } from "@taskoverflow/test-harness";
import type { GatewayConfig } from "../src/app.ts";
import { useGateway } from "./gateway.fixture.ts";

const g = useGateway({});
type Upstream = keyof GatewayConfig["upstreams"];
const allOk = { todo: "ok", calendarExport: "ok", jobStatus: "ok", calendar: "ok", explorer: "ok" };

describe("health and readiness", () => {
  it("answers liveness itself", async () => {
    const res = await fetch(`${g.url}/api/v1/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it.each<[string, Upstream[], number, { status: string; error?: string }]>([
    ["every backend is healthy: ready", [], 200, { status: "ok" }],
    [
      "only the explorer is down: ready (degraded), naming it",
      ["explorer"],
      200,
      { status: "degraded", error: "Optional backend unavailable: explorer" },
    ],
    [
      "a needed backend is down: unavailable, naming it",
      ["jobStatus"],
      503,
      { status: "unavailable", error: "Backend unavailable: jobStatus" },
    ],
    [
      "a needed backend and the explorer are down: unavailable, naming only the needed one as the cause",
      ["explorer", "jobStatus"],
      503,
      { status: "unavailable", error: "Backend unavailable: jobStatus" },
    ],
  ])("when %s", async (_, down, status, answer) => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const at = (value: string) => Object.fromEntries(down.map((key) => [key, value]));
    const url = await g.start((base) => ({ upstreams: { ...base.upstreams, ...at(closed) } }));
    const res = await fetch(`${url}/api/v1/ready`);
    expect([res.status, await res.json()]).toEqual([
      status,
      { ...answer, backends: { ...allOk, ...at("down") } },
    ]);
  });

  it("is not ready while a needed backend answers but says it is unhealthy", async () => {
    g.jobs.healthy = false;
    try {
      const res = await fetch(`${g.url}/api/v1/ready`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ backends: { jobStatus: "down" } });
    } finally {
      g.jobs.healthy = true;
    }
  });
});
