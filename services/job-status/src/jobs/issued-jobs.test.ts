import { describe, expect, it } from "@jest/globals";
import { type IssuedJobs, rememberIssued } from "./issued-jobs.ts";

function todoService(issued: Record<string, string>) {
  const asked: string[] = [];
  let down = false;
  const port: IssuedJobs = {
    async wasIssued(id) {
      asked.push(id);
      if (down) throw new Error("todo service down");
      const at = issued[id];
      return at === undefined ? undefined : { requestedAt: at };
    },
  };
  return { port, asked, setDown: (d: boolean) => (down = d) };
}

describe("rememberIssued", () => {
  it("asks once for an issued id, and every time for one that is not (yet) known", async () => {
    const todo = todoService({ a: "2024-01-01T00:00:00.000Z" });
    const issued = rememberIssued(todo.port);
    for (let i = 0; i < 3; i++) {
      expect(await issued.wasIssued("a")).toEqual({ requestedAt: "2024-01-01T00:00:00.000Z" });
      expect(await issued.wasIssued("b")).toBeUndefined();
    }
    expect(todo.asked).toEqual(["a", "b", "b", "b"]);
  });

  it("remembers no failure, and answers a remembered id while the todo service is down", async () => {
    const todo = todoService({ a: "t1", b: "t2" });
    const issued = rememberIssued(todo.port);
    await issued.wasIssued("a");
    todo.setDown(true);
    await expect(issued.wasIssued("b")).rejects.toThrow("down");
    expect(await issued.wasIssued("a")).toEqual({ requestedAt: "t1" });
    todo.setDown(false);
    expect(await issued.wasIssued("b")).toEqual({ requestedAt: "t2" });
  });

  it("forgets the oldest beyond its bound", async () => {
    const todo = todoService({ a: "1", b: "2", c: "3" });
    const issued = rememberIssued(todo.port, 2);
    for (const id of ["a", "b", "c", "a"]) await issued.wasIssued(id);
    expect(todo.asked).toEqual(["a", "b", "c", "a"]);
  });
});
