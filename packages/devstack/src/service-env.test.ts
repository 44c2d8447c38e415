import { describe, expect, it } from "@jest/globals";
import { loadConfig as loadCalendarConfig } from "../../../services/calendar/src/config.ts";
import { defaultOf, dependenciesOf, environmentFor, unreadVariables, variablesOf } from "./service-env.ts";
import { allServices } from "./services.ts";
import { stackEnvironment } from "./stack.ts";

const offered = stackEnvironment({
  urls: { todo: "http://127.0.0.1:1", calendar: "http://127.0.0.1:2", "job-status": "http://127.0.0.1:3" },
  aws: { endpoint: "http://127.0.0.1:4566", region: "us-east-1", accessKeyId: "a", secretAccessKey: "b" },
  topology: {
    topicArn: "arn:aws:sns:us-east-1:000000000000:t-events",
    queues: {
      calendar: {
        url: "http://q/calendar",
        arn: "arn:q:calendar",
        dlqUrl: "http://q/cd",
        dlqArn: "arn:q:cd",
      },
      "job-status": {
        url: "http://q/job-status",
        arn: "arn:q:js",
        dlqUrl: "http://q/jd",
        dlqArn: "arn:q:jd",
      },
      explorer: {
        url: "http://q/explorer",
        arn: "arn:q:ex",
        dlqUrl: "http://q/ed",
        dlqArn: "arn:q:ed",
      },
    },
  },
  bucket: "b",
  prefix: "t-",
});

describe("a service's environment comes from its own config schema", () => {
  it("the stack offers no variable that no service reads", () => {
    expect(unreadVariables(offered)).toEqual([]);
  });

  it("gives each service only the variables its schema reads", () => {
    const todo = environmentFor("todo", offered);
    expect(todo.TOPIC_ARN).toBe("arn:aws:sns:us-east-1:000000000000:t-events");
    expect(todo).not.toHaveProperty("CALENDAR_QUEUE_URL");
    expect(environmentFor("calendar", offered).CALENDAR_QUEUE_URL).toBe("http://q/calendar");
    expect(environmentFor("explorer", offered).EXPLORER_QUEUE_URL).toBe("http://q/explorer");
    expect(environmentFor("explorer", offered)).not.toHaveProperty("EXPLORER_TOKEN");
    expect(environmentFor("gateway", offered)).not.toHaveProperty("AWS_ENDPOINT_URL");
    for (const name of allServices) {
      const given = Object.keys(environmentFor(name, offered)).filter((v) => !v.startsWith("AWS_SECRET"));
      for (const variable of given) {
        if (!["AWS_ACCESS_KEY_ID", "PATH", "HOME", "NODE_ENV"].includes(variable)) {
          expect(variablesOf(name)).toContain(variable);
        }
      }
    }
  });

  it("refuses a tuning variable the service does not read (a typo would be ignored otherwise)", () => {
    expect(() => environmentFor("gateway", offered, { CIRCUIT_OPEN_MS: "200" })).not.toThrow();
    expect(() => environmentFor("gateway", offered, { CIRCUIT_OPEN_MSS: "200" })).toThrow(/CIRCUIT_OPEN_MSS/);
  });

  it("reads a default where the service writes it", () => {
    expect(defaultOf("calendar", "CALENDAR_BUCKET")).toBe(loadCalendarConfig({}).bucket);
  });

  it("starts a service after the services it calls", () => {
    expect(dependenciesOf("todo", allServices)).toEqual([]);
    expect(dependenciesOf("calendar", allServices)).toEqual(["todo"]);
    expect(dependenciesOf("job-status", allServices)).toEqual(["todo"]);
    expect(dependenciesOf("explorer", allServices)).toEqual([]);
    expect(dependenciesOf("gateway", allServices).sort()).toEqual([
      "calendar",
      "explorer",
      "job-status",
      "todo",
    ]);
    expect(dependenciesOf("calendar", ["calendar", "job-status"])).toEqual([]);
  });
});
