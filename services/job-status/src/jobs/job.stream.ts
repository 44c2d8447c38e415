// A job's states as Server-Sent Events (GET /todos/ical/:id/events): one event per state the job is seen in,
// its `id:` the state's name and its `data:` the status endpoint's JSON, ending after SUCCESS or FAILURE.
// The stream wakes on a change notification (job.changes.ts: with the committed status when the change was made
// in this instance, else it reads the job), re-reads on a timer in case one was lost, and
// sends a comment line as a heartbeat. Transport-free: the route hands it a sink.
import type { Logger } from "@taskoverflow/platform";
import type { JobChanges } from "./job.changes.ts";
import { isLaterThan, isTerminal, type JobStatus } from "./job.projection.ts";

const STATES: readonly JobStatus[] = ["PENDING", "STARTED", "SUCCESS", "FAILURE"];

/** The state a reconnecting client saw last (its `Last-Event-ID`), or undefined for anything else. */
export function lastSeenState(header: string | undefined): JobStatus | undefined {
  const value = header?.trim();
  return STATES.find((s) => s === value);
}

/** One event: `id:` the state (what Last-Event-ID resumes from), `data:` one line of JSON. */
export const eventFrame = (status: JobStatus, data: unknown) =>
  `id: ${status}\ndata: ${JSON.stringify(data)}\n\n`;
export const heartbeatFrame = ": ping\n\n";
/** How long a client waits before reconnecting after a dropped connection. */
export const retryFrame = (ms: number) => `retry: ${ms}\n\n`;

export interface StreamSink {
  write(text: string): void;
  end(): void;
  /** Called once when the client is gone or the stream ended. */
  onClose(listener: () => void): void;
}

export interface JobStreamOptions {
  jobId: string;
  /** The job's state when the request was answered (the route read it to answer 404 before streaming). */
  first: JobStatus;
  /** The state the client already has (Last-Event-ID): only later ones are sent. */
  lastSeen: JobStatus | undefined;
  /** Reads the job's state now. */
  read(): Promise<JobStatus>;
  /** The status endpoint's JSON for a state. */
  render(status: JobStatus): unknown;
  changes: Pick<JobChanges, "subscribe">;
  heartbeatMs: number;
  pollMs: number;
  retryMs?: number;
  sink: StreamSink;
  log: Logger;
}

/** Streams the job's states into `sink` until the job ends or the client goes; returns at once. */
export function runJobStream(o: JobStreamOptions): void {
  let last = o.lastSeen;
  let closed = false;
  let reading = false;
  let again = false;

  const send = (status: JobStatus) => {
    if (closed || !isLaterThan(status, last)) return;
    last = status;
    o.sink.write(eventFrame(status, o.render(status)));
    if (isTerminal(status)) finish();
  };
  const check = async () => {
    if (closed) return;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        send(await o.read());
      } while (again && !closed);
    } catch (err) {
      // The database or the todo service away for a moment: the next wake or poll tries again.
      o.log.warn({ err, jobId: o.jobId }, "event stream could not read the job");
    } finally {
      reading = false;
    }
  };

  // A change made in this instance comes with the status it committed: sent as it is, with no read back (a read
  // would give it or a later one; `send` drops anything not later than what was sent). A heard one is read.
  const unsubscribe = o.changes.subscribe(o.jobId, (status) =>
    status === undefined ? void check() : send(status),
  );
  const poll = setInterval(() => void check(), o.pollMs);
  const heartbeat = setInterval(() => {
    if (!closed) o.sink.write(heartbeatFrame);
  }, o.heartbeatMs);
  poll.unref();
  heartbeat.unref();
  function cleanup() {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(poll);
    clearInterval(heartbeat);
  }
  function finish() {
    cleanup();
    o.sink.end();
  }
  o.sink.onClose(cleanup);

  o.sink.write(retryFrame(o.retryMs ?? 2_000));
  send(o.first);
  // A change between the route's read and the subscription would otherwise wait for the poll.
  if (!closed) void check();
}
