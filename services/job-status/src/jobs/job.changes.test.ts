import { describe, expect, it } from "@jest/globals";
import { createJobChanges } from "./job.changes.ts";
import type { JobStatus } from "./job.projection.ts";
import { parseJobNotification } from "./job.repository.ts";

describe("job changes", () => {
  const setup = () => {
    const notified: string[][] = [];
    const changes = createJobChanges({
      self: "me",
      notifyOthers: async (ids) => void notified.push([...ids]),
      onNotifyFailed: () => {},
    });
    const told: (JobStatus | undefined)[] = [];
    changes.subscribe("j", (status) => told.push(status));
    return { changes, told, notified };
  };

  it("wakes this instance's listeners with the status a change committed, then tells the others", () => {
    const { changes, told, notified } = setup();
    changes.changed(["j", "k"], "SUCCESS");
    expect([told, notified]).toEqual([["SUCCESS"], [["j", "k"]]]);
  });

  it("hears another instance's notification, and an old one without a sender, but not its own coming back", () => {
    const { changes, told } = setup();
    for (const payload of ["j me", "j other", "j"]) {
      const { jobId, sender } = parseJobNotification(payload);
      changes.heard(jobId, sender);
    }
    expect(told).toEqual([undefined, undefined]);
    changes.heard(undefined);
    expect(told).toHaveLength(3);
  });

  it("reads a notification's payload as the job id and its sender", () => {
    expect(parseJobNotification("a5 inst-1")).toEqual({ jobId: "a5", sender: "inst-1" });
    expect(parseJobNotification("a5")).toEqual({ jobId: "a5" });
    expect(parseJobNotification(undefined)).toEqual({});
  });
});
