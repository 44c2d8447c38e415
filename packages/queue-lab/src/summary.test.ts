import { describe, expect, it } from "@jest/globals";
import { createTally, type Delivery, formatRanges, formatSummary } from "./summary.ts";

const from = (client: string | undefined, ...indices: number[]): Delivery[] =>
  indices.map((i) => ({ client, body: `Message ${i}` }));

const summarize = (expected: number, deliveries: Delivery[]) => {
  const tally = createTally(expected);
  for (const d of deliveries) tally.record(d);
  return tally.summary();
};

describe("the receiver's summary", () => {
  it("reports a perfect FIFO run as in order, no duplicates, nothing missing", () => {
    const summary = summarize(5, from("Client 1", 0, 1, 2, 3, 4));
    expect(summary).toEqual({
      received: 5,
      senders: [
        {
          client: "Client 1",
          prepend: "",
          received: 5,
          distinct: 5,
          outOfOrder: 0,
          duplicates: 0,
          missing: [],
          unparsed: 0,
        },
      ],
    });
  });

  it("counts a message that arrives after a later one as out of order", () => {
    const [s] = summarize(6, from("c", 0, 2, 1, 3, 5, 4)).senders;
    expect(s).toMatchObject({ outOfOrder: 2, duplicates: 0, missing: [] });
  });

  it("counts every extra copy as a duplicate, and a late duplicate is not also out of order", () => {
    const [s] = summarize(3, from("c", 0, 1, 1, 2, 0, 1)).senders;
    expect(s).toMatchObject({ received: 6, distinct: 3, outOfOrder: 0, duplicates: 3, missing: [] });
  });

  it("lists missing indices, including ones after the last received and beyond --count", () => {
    expect(summarize(10, from("c", 0, 2, 5)).senders[0]?.missing).toEqual([1, 3, 4, 6, 7, 8, 9]);
    expect(summarize(3, from("c", 0, 4)).senders[0]?.missing).toEqual([1, 2, 3]);
  });

  it("keeps senders apart, and a different prepend makes a different sender", () => {
    const summary = summarize(2, [
      ...from("B", 1, 0),
      ...from("A", 0, 1),
      { client: "A", body: "again Message 0" },
      { client: "A", body: "again Message 1" },
    ]);
    expect(summary.received).toBe(6);
    expect(summary.senders.map((s) => [s.client, s.prepend, s.outOfOrder, s.duplicates])).toEqual([
      ["A", "", 0, 0],
      ["A", "again ", 0, 0],
      ["B", "", 1, 0],
    ]);
  });

  it("groups messages without the client attribute under (unknown) and counts foreign bodies", () => {
    const summary = summarize(2, [
      { client: undefined, body: "hello" },
      { client: undefined, body: "Message 1" },
    ]);
    expect(summary.senders).toEqual([
      {
        client: "(unknown)",
        prepend: "",
        received: 2,
        distinct: 1,
        outOfOrder: 0,
        duplicates: 0,
        missing: [0],
        unparsed: 1,
      },
    ]);
  });

  it("is empty when nothing arrived", () => {
    expect(summarize(100, [])).toEqual({ received: 0, senders: [] });
  });
});

describe("formatting", () => {
  it("compresses indices into ranges", () => {
    expect(formatRanges([])).toBe("");
    expect(formatRanges([4])).toBe("4");
    expect(formatRanges([1, 2, 3, 7, 9, 10])).toBe("1-3, 7, 9-10");
  });

  it("prints one line per sender", () => {
    const tally = createTally(5);
    for (const d of [...from("Client 1", 0, 2, 1, 1, 4), { client: "Client 2", body: "x Message 0" }]) {
      tally.record(d);
    }
    expect(formatSummary(tally.summary(), false)).toBe(
      [
        "Summary: 6 messages received from 2 senders",
        "  Client 1: 5 received, 1 out of order, 1 duplicate, 1 missing (3)",
        '  Client 2 (prepend "x "): 1 received, 0 out of order, 0 duplicates, 4 missing (1-4)',
      ].join("\n"),
    );
  });
});
