import { describe, expect, it } from "@jest/globals";
import { clientColor, logLine, messageBody, parseBody } from "./message.ts";

describe("message bodies", () => {
  it("are exactly the course's format", () => {
    expect(messageBody("", 7)).toBe("Message 7");
    expect(messageBody("again ", 0)).toBe("again Message 0");
  });

  it("parse back into prepend text and index", () => {
    expect(parseBody("Message 7")).toEqual({ prefix: "", index: 7 });
    expect(parseBody("again Message 99")).toEqual({ prefix: "again ", index: 99 });
    expect(parseBody("Message 1Message 2")).toEqual({ prefix: "Message 1", index: 2 });
    expect(parseBody("multi\nline Message 3")).toEqual({ prefix: "multi\nline ", index: 3 });
  });

  it("leave other bodies unparsed", () => {
    for (const body of ["hello", "", "Message", "Message -1", "Message 7 ", "Message 1e3"]) {
      expect(parseBody(body)).toBeUndefined();
    }
  });
});

describe("logLine", () => {
  const at = new Date(2026, 2, 4, 9, 5, 3);

  it("prints [HH:MM:SS] client: body, plain when not coloured", () => {
    expect(logLine(at, "Client 1", "Message 7", false)).toBe("[09:05:03] Client 1: Message 7");
  });

  it("names a message without a client attribute (unknown)", () => {
    expect(logLine(at, undefined, "hello", false)).toBe("[09:05:03] (unknown): hello");
  });

  it("colours with ANSI escapes on a terminal, the same colour for the same client", () => {
    const line = logLine(at, "Client 1", "Message 7", true);
    expect(line).toContain("\u001b[");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping the ANSI escapes under test
    expect(line.replace(/\u001b\[\d+m/g, "")).toBe("[09:05:03] Client 1: Message 7");
    expect(clientColor("Client 1")).toBe(clientColor("Client 1"));
  });
});
