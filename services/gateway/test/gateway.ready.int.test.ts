// Readiness with an optional backend down: the explorer's outage is reported, the gateway stays ready.
import { describe, expect, it } from "@jest/globals";
import { freePort } from "@taskoverflow/test-harness";
import { useGateway } from "./gateway.fixture.ts";

const g = useGateway();

describe("readiness and optional backends", () => {
  it("stays ready (degraded) when only the explorer is down, and names it", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const url = await g.start((base) => ({ upstreams: { ...base.upstreams, explorer: closed } }));
    const res = await fetch(`${url}/api/v1/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: "degraded",
      error: "Optional backend unavailable: explorer",
      backends: { todo: "ok", calendarExport: "ok", jobStatus: "ok", calendar: "ok", explorer: "down" },
    });
  });

  it("is unavailable when a needed backend is down too, naming only that one as the cause", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const url = await g.start((base) => ({
      upstreams: { ...base.upstreams, explorer: closed, jobStatus: closed },
    }));
    const res = await fetch(`${url}/api/v1/ready`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: "unavailable",
      error: "Backend unavailable: jobStatus",
      backends: { todo: "ok", calendarExport: "ok", jobStatus: "down", calendar: "ok", explorer: "down" },
    });
  });
});
