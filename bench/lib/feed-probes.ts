// What the feed benchmark (bench/feed.ts) does to the system: seeds todos straight into the todo service's table,
// reads the subscribed feed (conditionally), and times a write until the feed shows it.
import { createRequire } from "node:module";

// node-postgres, as the messaging package (which depends on it) resolves it.
interface PgClient {
  connect(): Promise<void>;
  query(text: string, values?: unknown[]): Promise<unknown>;
  end(): Promise<void>;
}
const pg = createRequire(new URL("../../packages/messaging/package.json", import.meta.url))("pg") as {
  Client: new (config: { connectionString: string }) => PgClient;
};

/** Seeds `n` todos with deadlines directly into the todo service's (migrated) table. */
export async function seedTodos(url: string, n: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO todos (title, description, deadline_at)
       SELECT 'Todo ' || g || ', with; punctuation', 'Seeded by bench/feed.ts',
              timestamp '2031-01-01 09:00' + g * interval '1 minute'
       FROM generate_series(1, $1::int) AS g`,
      [n],
    );
  } finally {
    await client.end();
  }
}

export interface Answer {
  status: number;
  etag: string;
  body: Buffer;
  /** When the answer's headers arrived: the moment the server answered with this content. */
  at: number;
}

export async function getFeed(url: string, etag?: string): Promise<Answer> {
  const res = await fetch(url, {
    headers: { "accept-encoding": "gzip", ...(etag && { "if-none-match": etag }) },
  });
  const at = performance.now();
  // fetch decompresses gzip itself.
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, etag: res.headers.get("etag") ?? "", body, at };
}

export const countEvents = (body: Buffer) => {
  let n = 0;
  for (let at = body.indexOf("BEGIN:VEVENT"); at !== -1; at = body.indexOf("BEGIN:VEVENT", at + 12)) n++;
  return n;
};

/**
 * Write -> visible, `samples` times: PUT a new title, then poll with If-None-Match until the feed shows it. Visible
 * = the first answer whose bytes contain it, timed at its headers: this client's own decompression of 25 MiB at
 * 100,000 todos (0.5-3 s on a loaded machine) is not the system's latency.
 */
export async function freshness(
  gateway: string,
  feed: string,
  ids: number[],
  samples: number,
): Promise<number[]> {
  const out: number[] = [];
  let { etag } = await getFeed(feed);
  for (let i = 0; i < samples; i++) {
    const id = ids[i % ids.length] as number;
    const title = `Fresh ${i} ${Math.random().toString(36).slice(2, 8)}`;
    const res = await fetch(`${gateway}/api/v1/todos/${id}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title }),
    });
    if (res.status !== 200) throw new Error(`PUT /todos/${id}: ${res.status}`);
    await res.arrayBuffer();
    const written = performance.now();
    let visibleAt: number;
    for (;;) {
      const a = await getFeed(feed, etag);
      if (a.status === 200) {
        etag = a.etag;
        if (a.body.includes(`SUMMARY:${title}\r\n`)) {
          visibleAt = a.at;
          break;
        }
      } else if (a.status !== 304) throw new Error(`feed answered ${a.status}`);
      if (performance.now() - written > 30_000) throw new Error(`todo ${id} not in the feed after 30 s`);
    }
    out.push(visibleAt - written);
  }
  return out;
}
