// The job event stream tests' shared block (job-events*.int.test.ts): a job-status service on real PostgreSQL and
// fauxqs whose streams re-read their job only once a minute, so that what reaches them in seconds was pushed.
import { beforeAll, expect } from "@jest/globals";
import type { DomainEvent } from "@taskoverflow/contracts";
import { calendarEvents } from "@taskoverflow/contracts/testing";
import { ensureTopology } from "@taskoverflow/messaging";
import { useServiceWorld } from "@taskoverflow/messaging/testing";
import { type EventStream, openEventStream, startFauxqs, uniqueName } from "@taskoverflow/test-harness";
import type { JobStatusApp, JobStatusConfig } from "../src/app.ts";
import { issuedJobs, startJobStatus } from "./job-status.fixture.ts";

export const bucket = "calendars";
/** Streams in these tests re-read their job only once a minute: anything sooner was pushed. */
export const noPoll = { heartbeatMs: 60_000, pollMs: 60_000 };
export const pushedWithin = 10_000;
export const readyEvent = (id: string) =>
  calendarEvents.ready(id, { bucket, key: `calendars/${id}.ics`, size: 10 });

/** The job's event stream on the service at `base`. */
export const openJobEvents = (base: string, id: string, headers: Record<string, string> = {}) =>
  openEventStream(`${base}/api/v1/todos/ical/${id}/events`, { headers });

/** A world, the service on it (`main`, which applies every event), and readers of its streams. */
export function useJobEvents({
  main: mainConfig,
  ...options
}: {
  database?: boolean;
  main?: Partial<JobStatusConfig>;
} = {}) {
  const world = useServiceWorld(startFauxqs, { name: "jse", ...options });
  const todo = issuedJobs();
  const main = {} as { app: JobStatusApp; url: string };
  beforeAll(async () => {
    Object.assign(
      main,
      await startJobStatus(world, todo.port, { calendarBucket: bucket, events: noPoll, ...mainConfig }),
    );
  });

  /** Another instance on the same database, reading its own, empty queue. */
  async function instance(changes: Partial<JobStatusConfig>) {
    const idle = await ensureTopology(world, { prefix: `${uniqueName("jse-idle")}-` });
    return startJobStatus(world, todo.port, { calendarBucket: bucket, events: noPoll, ...changes }, idle);
  }
  const publish = (...events: DomainEvent[]) => world.publisher.publish(events);
  const statusJson = async (base: string, id: string) =>
    (await (await fetch(`${base}/api/v1/todos/ical/${id}/status`)).json()) as Record<string, unknown>;
  /** The next event's state and data; the data must be exactly what the status endpoint answers right now. */
  const nextState = async (stream: EventStream, base: string, id: string) => {
    const event = await stream.nextEvent(pushedWithin);
    if (event === undefined) return undefined;
    const data = JSON.parse(event.data) as Record<string, unknown>;
    expect(data).toEqual(await statusJson(base, id));
    expect(event.id).toBe(data.task_status);
    return event.id;
  };
  return { world, todo, main, instance, publish, statusJson, nextState };
}
