import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "@jest/globals";
import { eventTypes } from "@taskoverflow/contracts";
import { backoffDelay } from "./backoff.ts";
import { generatedContents } from "./topology.generate.ts";
import {
  planTopology,
  queuePolicy,
  routeOf,
  subscriptionAttributes,
  topology,
  topologyDocument,
} from "./topology.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

describe("topology", () => {
  it.each(Object.entries(generatedContents()))(
    "committed %s equals the generator's output",
    (path, content) => {
      // Regenerate with: node packages/messaging/src/topology.generate.ts
      const committed = readFileSync(join(root, path), "utf8");
      // JSON is compared as data: Biome owns its formatting.
      if (path.endsWith(".json")) expect(JSON.parse(committed)).toEqual(JSON.parse(content));
      else expect(committed).toBe(content);
    },
  );

  it("names everything from the prefix, with one DLQ per queue", () => {
    const plan = planTopology({ prefix: "t1-" });
    expect(plan.topicName).toBe("t1-events");
    expect(plan.queues.map((q) => [q.name, q.dlqName])).toEqual([
      ["t1-calendar", "t1-calendar-dlq"],
      ["t1-job-status", "t1-job-status-dlq"],
      ["t1-explorer", "t1-explorer-dlq"],
    ]);
    expect(planTopology().topicName).toBe("taskoverflow-events");
  });

  it("routes every event type to at least one queue, and only known types", () => {
    const routed = new Set(planTopology().queues.flatMap((q) => q.types));
    expect([...routed].sort()).toEqual([...eventTypes].sort());
  });

  it("routes a type to the queues whose filter policy names it, and to the unfiltered explorer queue", () => {
    const plan = planTopology();
    expect(routeOf(plan, "TodoCreated")).toEqual(["calendar", "explorer"]);
    expect(routeOf(plan, "CalendarRequested")).toEqual(["calendar", "job-status", "explorer"]);
    expect(routeOf(plan, "CalendarReady")).toEqual(["job-status", "explorer"]);
    expect(routeOf(plan, "SomethingNew")).toEqual(["explorer"]);
  });

  it("subscribes the explorer with no filter policy, so no producer names it", () => {
    expect(topology.queues.explorer.types).toBe("all");
    expect(topologyDocument().queues.explorer?.subscription.filterPolicy).toBeNull();
    const explorer = planTopology().queues.find((q) => q.key === "explorer");
    expect(explorer && subscriptionAttributes(explorer)).toEqual({ RawMessageDelivery: "true" });
  });

  it("applies test overrides to every queue", () => {
    const plan = planTopology({ visibilityTimeoutSeconds: 1, maxReceiveCount: 2 });
    for (const q of plan.queues) expect([q.visibilityTimeoutSeconds, q.maxReceiveCount]).toEqual([1, 2]);
  });

  it("lets only the topic send to a queue", () => {
    const policy = JSON.parse(queuePolicy("arn:q", "arn:t"));
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: "Allow",
        Action: "sqs:SendMessage",
        Resource: "arn:q",
        Condition: { ArnEquals: { "aws:SourceArn": "arn:t" } },
      }),
    ]);
  });

  it("documents raw delivery and the filter policy for Terraform", () => {
    const doc = topologyDocument();
    expect(doc.queues.calendar?.subscription).toEqual({
      rawMessageDelivery: true,
      filterPolicyScope: "MessageAttributes",
      filterPolicy: { type: ["TodoCreated", "TodoUpdated", "TodoDeleted", "CalendarRequested"] },
    });
  });
});

describe("backoff", () => {
  it("doubles up to the maximum, with jitter in the upper half", () => {
    const at = (n: number, r: number) => backoffDelay(n, { baseMs: 100, maxMs: 1000, random: () => r });
    expect([1, 2, 3, 4, 5, 6].map((n) => at(n, 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3].map((n) => at(n, 0))).toEqual([50, 100, 200]);
  });
});
