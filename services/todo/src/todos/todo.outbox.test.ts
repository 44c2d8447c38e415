import { describe, expect, it } from "@jest/globals";
import { todoEventEnvelope } from "./todo.outbox.ts";

const at = new Date("2026-03-10T10:00:00Z");
const id = () => "6f1c2a8e-8d1b-4c1e-9a51-0c5f3f1e2b7a";

describe("todoEventEnvelope", () => {
  it("builds the envelope of a todo event: everything but the payload and the sequence", () => {
    expect(todoEventEnvelope("TodoDeleted", { correlationId: "c-1", at }, id)).toEqual({
      id: "6f1c2a8e-8d1b-4c1e-9a51-0c5f3f1e2b7a",
      type: "TodoDeleted",
      version: 1,
      occurredAt: "2026-03-10T10:00:00.000Z",
      correlationId: "c-1",
      producer: "todo",
    });
  });

  it("refuses an envelope the event contract would refuse, before anything is written", () => {
    expect(() => todoEventEnvelope("TodoCreated", { correlationId: "", at }, id)).toThrow();
    expect(() => todoEventEnvelope("TodoCreated", { correlationId: "x".repeat(129), at }, id)).toThrow();
    expect(() => todoEventEnvelope("TodoCreated", { correlationId: "c", at }, () => "not-a-uuid")).toThrow();
  });
});
