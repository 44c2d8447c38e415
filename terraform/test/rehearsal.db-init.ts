// The rehearsal's check of db-init: the task definition's own command, environment and secrets, against a real
// PostgreSQL server standing in for RDS.
import { join } from "node:path";
import { expect, it } from "@jest/globals";
import type { PostgresServer } from "@taskoverflow/test-harness";
import { repoRoot, run } from "./lib.ts";
import { containerEnv, minutes, pg, type Rehearsal } from "./rehearsal.ts";

export function dbInitChecks(r: Rehearsal, postgres: () => PostgresServer): void {
  // The db-init task definition's own command, with its own environment and secrets (read from moto's Secrets
  // Manager), run against a real PostgreSQL server standing in for RDS (no TLS there: DB_SSL_ROOT_CERT empty).
  it(
    "db-init gives each service its own role and database, twice in a row",
    async () => {
      const td = r.taskDefinitions.get("db-init");
      const container = td?.containerDefinitions[0];
      if (!container?.command) throw new Error("the db-init task definition has no command");
      const envOf = await containerEnv(r, container);
      const admin = new URL(postgres().adminUrl);
      const master = { user: envOf.MASTER_USERNAME ?? "", password: envOf.MASTER_PASSWORD ?? "" };
      expect(master.user).not.toBe("");
      const adminClient = new pg.Client({ connectionString: postgres().adminUrl });
      await adminClient.connect();
      try {
        // What RDS's master user is: CREATEROLE and CREATEDB, not a superuser.
        const exists = await adminClient.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [master.user]);
        if (exists.rows.length === 0)
          await adminClient.query(
            `CREATE ROLE "${master.user}" LOGIN CREATEROLE CREATEDB PASSWORD 'rehearsal'`,
          );
        const [cmd, ...args] = container.command;
        for (let round = 1; round <= 2; round++) {
          const result = await run(cmd ?? "node", args, {
            cwd: join(repoRoot, "packages/platform"),
            env: { ...envOf, DB_HOST: admin.hostname, DB_PORT: admin.port, DB_SSL_ROOT_CERT: "" },
          });
          r.printed.push(result.stdout, result.stderr);
          expect({ round, code: result.code, stderr: result.stderr }).toEqual({ round, code: 0, stderr: "" });
          expect(result.stdout.match(/role and database ready/g)).toHaveLength(4);
        }
        const urls = Object.entries(envOf).filter(([k]) => k.startsWith("DATABASE_URL_"));
        expect(urls.map(([k]) => k).sort()).toEqual([
          "DATABASE_URL_CALENDAR",
          "DATABASE_URL_EXPLORER",
          "DATABASE_URL_JOB_STATUS",
          "DATABASE_URL_TODO",
        ]);
        const local = (value: string, database?: string) => {
          const u = new URL(value);
          u.hostname = admin.hostname;
          u.port = admin.port;
          u.search = "";
          if (database) u.pathname = `/${database}`;
          return u.toString();
        };
        const databases = urls.map(([, v]) => new URL(v).pathname.slice(1));
        for (const [key, value] of urls) {
          const url = new URL(value);
          const role = decodeURIComponent(url.username);
          const own = new pg.Client({ connectionString: local(value) });
          await own.connect();
          try {
            await own.query("CREATE TABLE IF NOT EXISTS rehearsal (x int)");
            const who = await own.query("SELECT current_user AS u, current_database() AS d");
            expect({ key, ...who.rows[0] }).toEqual({ key, u: role, d: url.pathname.slice(1) });
          } finally {
            await own.end();
          }
          for (const other of databases.filter((d) => d !== url.pathname.slice(1))) {
            const foreign = new pg.Client({ connectionString: local(value, other) });
            const refused = await foreign.connect().then(
              () => "connected",
              (err: { code?: string }) => err.code,
            );
            if (refused === "connected") await foreign.end();
            expect({ role, other, refused }).toEqual({ role, other, refused: "42501" }); // insufficient_privilege
          }
        }
        const owners = await adminClient.query(
          "SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = ANY($1) ORDER BY datname",
          [databases],
        );
        expect(owners.rows).toEqual(
          urls
            .map(([, v]) => ({
              datname: new URL(v).pathname.slice(1),
              owner: decodeURIComponent(new URL(v).username),
            }))
            .sort((a, b) => a.datname.localeCompare(b.datname)),
        );
      } finally {
        await adminClient.end();
      }
    },
    minutes(2),
  );
}
