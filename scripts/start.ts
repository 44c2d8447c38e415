// npm start: the whole system on this machine, embedded defaults (PGlite + in-process fauxqs), UI and API on
// http://localhost:6400. Ctrl-C stops everything cleanly. Environment overrides: see the README's table.
import { prettyLines, type ServiceName, startStack } from "@taskoverflow/devstack";

const json = process.env.LOG_FORMAT === "json";
const format = prettyLines(process.stdout.isTTY === true);
const databaseUrls: Partial<Record<ServiceName, string>> = {};
for (const [service, variable] of [
  ["todo", "TODO_DATABASE_URL"],
  ["calendar", "CALENDAR_DATABASE_URL"],
  ["job-status", "JOB_STATUS_DATABASE_URL"],
  ["explorer", "EXPLORER_DATABASE_URL"],
] as const) {
  const url = process.env[variable];
  if (url) databaseUrls[service] = url;
}
const aws = process.env.AWS_ENDPOINT_URL
  ? {
      endpoint: process.env.AWS_ENDPOINT_URL,
      region: process.env.AWS_REGION ?? "us-east-1",
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "test",
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "test",
    }
  : undefined;

const stack = await startStack({
  dataDir: process.env.DATA_DIR ?? ".data",
  databaseUrls,
  ...(aws && { aws }),
  ...(process.env.HOST && { host: process.env.HOST }),
  publicUrl: process.env.PUBLIC_URL || "http://localhost:6400",
  logLevel: process.env.LOG_LEVEL ?? "info",
  onLine: (service, line) => process.stdout.write(json ? `${line}\n` : `[${service}] ${format(line)}`),
}).catch((err: unknown) => {
  process.stderr.write(`TaskOverflow failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

process.stdout.write(
  `\nTaskOverflow is running: ${stack.gatewayUrl.replace("127.0.0.1", "localhost")}  (services: ${stack.services.join(", ")}; Ctrl-C stops)\n\n`,
);

let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write("\nstopping TaskOverflow...\n");
  stack.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
