import { describe, expect, it } from "@jest/globals";
import { loadConfig } from "./config.ts";

describe("gateway config", () => {
  it("defaults to the embedded layout on 127.0.0.1", () => {
    const c = loadConfig({});
    expect(c.port).toBe(6400);
    expect(c.host).toBe("127.0.0.1");
    expect(c.upstreams).toEqual({
      todo: "http://127.0.0.1:6401",
      calendarExport: "http://127.0.0.1:6401",
      jobStatus: "http://127.0.0.1:6403",
      calendar: "http://127.0.0.1:6402",
      explorer: "http://127.0.0.1:6404",
    });
    expect(c.bodyLimitBytes).toBe(65_536);
  });

  it("moves the calendar export when its URL is set", () => {
    expect(loadConfig({ CALENDAR_EXPORT_SERVICE_URL: "http://cal:6402" }).upstreams.calendarExport).toBe(
      "http://cal:6402",
    );
  });

  it("names the variable that is wrong", () => {
    expect(() => loadConfig({ UPSTREAM_TIMEOUT_MS: "soon" })).toThrow(/UPSTREAM_TIMEOUT_MS/);
    expect(() => loadConfig({ TODO_SERVICE_URL: "not a url" })).toThrow(/TODO_SERVICE_URL/);
  });
});
