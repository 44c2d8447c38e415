// The moto rehearsal of terraform/aws, twice: once creating its own IAM roles, once as in AWS Academy Learner Lab
// (lab_role_name, which must create no IAM role or policy) with the optional parts on (HTTPS listener, ALB
// access logs, VPC flow logs, alarm e-mail). Each: apply -> check-topology -> the checks below -> destroy, and
// then no database password may be in the state or in anything terraform printed.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { chooseInfra, type PostgresServer, startPostgres } from "@taskoverflow/test-harness";
import { aws, awsModule, ok, type RunResult, repoRoot, run, tf } from "./lib.ts";

const script = join(awsModule, "rehearse-moto.sh");
const minutes = (n: number) => n * 60_000;

interface PgClient {
  connect(): Promise<void>;
  query(sql: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}
const pg = createRequire(join(repoRoot, "packages/test-harness/package.json"))("pg") as {
  Client: new (config: { connectionString: string }) => PgClient;
};

interface ContainerDefinition {
  name: string;
  command?: string[];
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
}
interface TaskDefinition {
  family: string;
  executionRoleArn?: string;
  taskRoleArn?: string;
  containerDefinitions: ContainerDefinition[];
}

const services = ["gateway", "todo", "calendar", "job-status"] as const;

// Variables whose schema default or absence is right in AWS although they are unset there.
const unsetOnPurpose: Record<string, string> = {
  AWS_ENDPOINT_URL: "unset means real AWS",
  CALENDAR_EXPORT_SERVICE_URL: "unset means the todo service (through the gateway's TODO_SERVICE_URL)",
};
// Variables with a default that is only right on a developer's machine, besides defaults naming localhost.
const deploymentSpecific = ["HOST", "TRUST_PROXY", "CALENDAR_BUCKET", "PUBLIC_URL"];

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgres(chooseInfra());
}, minutes(2));
afterAll(async () => {
  await postgres?.stop();
});

describe.each([
  { name: "with its own IAM roles", env: {}, labRole: undefined },
  {
    name: "with lab_role_name (Learner Lab), HTTPS, access and flow logs, alarm e-mail",
    env: { LAB_ROLE_NAME: "LabRole", EXTRAS: "1" },
    labRole: "LabRole",
  },
])("moto rehearsal $name", ({ env, labRole }) => {
  const dir = mkdtempSync(join(tmpdir(), "taskoverflow-rehearsal-"));
  let up: RunResult;
  let down: RunResult | undefined;
  let endpoint = "";
  let stateAfterApply = "";
  let outputs = "";
  const printed: string[] = [];
  const taskDefinitions = new Map<string, TaskDefinition>();

  const secretValue = async (valueFrom: string): Promise<string> => {
    // arn:aws:secretsmanager:<region>:<account>:secret:<name>[:<json key>:<stage>:<version>]
    const parts = valueFrom.split(":");
    const arn = parts.slice(0, 7).join(":");
    const jsonKey = parts[7];
    const value = (
      (await aws(endpoint, "secretsmanager", "get-secret-value", "--secret-id", arn)) as {
        SecretString: string;
      }
    ).SecretString;
    return jsonKey ? String((JSON.parse(value) as Record<string, unknown>)[jsonKey]) : value;
  };

  beforeAll(async () => {
    const started = Date.now();
    up = await run(script, ["up", dir], { env });
    printed.push(up.stdout, up.stderr);
    process.stderr.write(
      `[infra] rehearsal ${labRole ?? "own roles"}: apply + check ${Math.round((Date.now() - started) / 1000)} s\n`,
    );
    endpoint = readFileSync(join(dir, "endpoint"), "utf8").trim();
    if (up.code !== 0) return;
    stateAfterApply = readFileSync(join(dir, "terraform.tfstate"), "utf8");
    const out = await ok(tf, [
      `-chdir=${awsModule}`,
      "output",
      "-json",
      `-state=${join(dir, "terraform.tfstate")}`,
    ]);
    outputs = out.stdout;
    printed.push(out.stdout, out.stderr);
    for (const family of [...services, "db-init"]) {
      const td = (await aws(
        endpoint,
        "ecs",
        "describe-task-definition",
        "--task-definition",
        `taskoverflow-${family}`,
      )) as {
        taskDefinition: TaskDefinition;
      };
      taskDefinitions.set(family, td.taskDefinition);
    }
  }, minutes(12));

  afterAll(async () => {
    if (!down) await run(script, ["down", dir]);
    rmSync(dir, { recursive: true, force: true });
  }, minutes(8));

  it("applies, and the event backbone matches topology.json", () => {
    expect({
      code: up.code,
      tail: up.code === 0 ? "" : `${up.stdout.slice(-4000)}\n${up.stderr.slice(-4000)}`,
    }).toEqual({
      code: 0,
      tail: "",
    });
    expect(up.stdout).toContain("topology matches topology.json");
  });

  it(
    labRole
      ? "creates no IAM role or policy and runs every task as the lab role"
      : "gives every task its own roles",
    async () => {
      const state = JSON.parse(stateAfterApply) as { resources: { mode: string; type: string }[] };
      const iamResources = state.resources
        .filter((r) => r.mode === "managed" && r.type.startsWith("aws_iam_"))
        .map((r) => r.type);
      const roles = (
        (await aws(endpoint, "iam", "list-roles")) as { Roles: { RoleName: string; Arn: string }[] }
      ).Roles;
      const families = [...taskDefinitions.values()];
      expect(families).toHaveLength(5);
      if (labRole) {
        const arn = roles.find((r) => r.RoleName === labRole)?.Arn;
        expect(iamResources).toEqual([]);
        expect(roles.map((r) => r.RoleName)).toEqual([labRole]);
        for (const td of families)
          expect({ family: td.family, execution: td.executionRoleArn, task: td.taskRoleArn }).toEqual({
            family: td.family,
            execution: arn,
            task: arn,
          });
      } else {
        expect(new Set(iamResources)).toEqual(new Set(["aws_iam_role", "aws_iam_role_policy"]));
        const arns = families
          .flatMap((td) => [td.executionRoleArn, td.taskRoleArn])
          .filter((a) => a !== undefined);
        expect(new Set(arns).size).toBe(arns.length); // 4 services x 2 + db-init's execution role, none shared
        expect(arns).toHaveLength(9);
      }
    },
  );

  it(`raises alarms to the alarms topic; ${labRole ? "HTTPS with a redirect, access and flow logs" : "plain HTTP, no logs bucket"}`, async () => {
    const alarms = (
      (await aws(endpoint, "cloudwatch", "describe-alarms")) as {
        MetricAlarms: { AlarmName: string; MetricName: string; AlarmActions: string[] }[];
      }
    ).MetricAlarms;
    const topic = (JSON.parse(outputs) as Record<string, { value: unknown }>).alarms_topic_arn?.value;
    expect(alarms.map((a) => a.MetricName).sort()).toEqual(
      [
        "ApproximateNumberOfMessagesVisible",
        "ApproximateNumberOfMessagesVisible",
        "CPUUtilization",
        "FreeStorageSpace",
        "HTTPCode_ELB_5XX_Count",
        "HTTPCode_Target_5XX_Count",
        "HealthyHostCount",
        "UnHealthyHostCount",
      ].sort(),
    );
    for (const a of alarms)
      expect({ alarm: a.AlarmName, actions: a.AlarmActions }).toEqual({
        alarm: a.AlarmName,
        actions: [topic],
      });

    const lb = (
      (await aws(endpoint, "elbv2", "describe-load-balancers")) as {
        LoadBalancers: { LoadBalancerArn: string }[];
      }
    ).LoadBalancers[0];
    const listeners = (
      (await aws(
        endpoint,
        "elbv2",
        "describe-listeners",
        "--load-balancer-arn",
        lb?.LoadBalancerArn ?? "",
      )) as {
        Listeners: { Port: number; Protocol: string; DefaultActions: { Type: string }[] }[];
      }
    ).Listeners.map((l) => ({ port: l.Port, protocol: l.Protocol, action: l.DefaultActions[0]?.Type })).sort(
      (a, b) => a.port - b.port,
    );
    const attributes = (
      (await aws(
        endpoint,
        "elbv2",
        "describe-load-balancer-attributes",
        "--load-balancer-arn",
        lb?.LoadBalancerArn ?? "",
      )) as {
        Attributes: { Key: string; Value: string }[];
      }
    ).Attributes;
    const flowLogs = (
      (await aws(endpoint, "ec2", "describe-flow-logs")) as { FlowLogs: { LogDestinationType: string }[] }
    ).FlowLogs;
    const buckets = (
      (await aws(endpoint, "s3api", "list-buckets")) as { Buckets: { Name: string }[] }
    ).Buckets.map((b) => b.Name);
    const subscriptions = (
      (await aws(endpoint, "sns", "list-subscriptions-by-topic", "--topic-arn", String(topic))) as {
        Subscriptions: { Protocol: string }[];
      }
    ).Subscriptions.map((s) => s.Protocol);
    if (labRole) {
      expect(listeners).toEqual([
        { port: 80, protocol: "HTTP", action: "redirect" },
        { port: 443, protocol: "HTTPS", action: "forward" },
      ]);
      expect(attributes).toContainEqual({ Key: "access_logs.s3.enabled", Value: "true" });
      expect(flowLogs.map((f) => f.LogDestinationType)).toEqual(["s3"]);
      expect(buckets.filter((b) => b.includes("-logs-"))).toHaveLength(1);
      expect(subscriptions).toEqual(["email"]);
    } else {
      expect(listeners).toEqual([{ port: 80, protocol: "HTTP", action: "forward" }]);
      expect(flowLogs).toEqual([]);
      expect(buckets.filter((b) => b.includes("-logs-"))).toEqual([]);
      expect(subscriptions).toEqual([]);
    }
  });

  // Compose once lacked TOPIC_ARN and published nothing: that class of bug, caught on what ECS was given.
  it.each(services)("sets on %s every variable its config schema needs in production", async (service) => {
    const td = taskDefinitions.get(service);
    const container = td?.containerDefinitions.find((c) => c.name === service);
    if (!container) throw new Error(`no container ${service} in the ${service} task definition`);
    const effective: Record<string, string> = { ...dockerfileEnv(service) };
    for (const e of container.environment ?? []) effective[e.name] = e.value;
    for (const s of container.secrets ?? []) effective[s.name] = await secretValue(s.valueFrom);

    const module = (await import(join(repoRoot, "services", service, "src/config.ts"))) as Record<
      string,
      unknown
    >;
    const schema = Object.values(module).find(isZodObject);
    if (!schema) throw new Error(`services/${service}/src/config.ts exports no zod object schema`);
    const needed = Object.entries(schema.shape)
      .filter(([name, field]) => {
        if (unsetOnPurpose[name]) return false;
        const unset = field.safeParse(undefined);
        if (!unset.success || unset.data === undefined) return true; // required, or unset means a local fallback
        if (typeof unset.data === "string" && /127\.0\.0\.1|localhost/.test(unset.data)) return true;
        return deploymentSpecific.includes(name);
      })
      .map(([name]) => name)
      .sort();
    expect({ service, missing: needed.filter((n) => effective[n] === undefined) }).toEqual({
      service,
      missing: [],
    });
    expect({ service, AWS_ENDPOINT_URL: effective.AWS_ENDPOINT_URL }).toEqual({
      service,
      AWS_ENDPOINT_URL: undefined,
    });
    const loadConfig = module.loadConfig as (env: NodeJS.ProcessEnv) => unknown;
    expect(() => loadConfig(effective)).not.toThrow();
    if (effective.DATABASE_URL)
      expect(new URL(effective.DATABASE_URL).searchParams.get("sslmode")).toBe("verify-full");
  });

  // The db-init task definition's own command, with its own environment and secrets (read from moto's Secrets
  // Manager), run against a real PostgreSQL server standing in for RDS (no TLS there: DB_SSL_ROOT_CERT empty).
  it(
    "db-init gives each service its own role and database, twice in a row",
    async () => {
      const td = taskDefinitions.get("db-init");
      const container = td?.containerDefinitions[0];
      if (!container?.command) throw new Error("the db-init task definition has no command");
      const envOf: Record<string, string> = {};
      for (const e of container.environment ?? []) envOf[e.name] = e.value;
      for (const s of container.secrets ?? []) envOf[s.name] = await secretValue(s.valueFrom);
      const admin = new URL(postgres.adminUrl);
      const master = { user: envOf.MASTER_USERNAME ?? "", password: envOf.MASTER_PASSWORD ?? "" };
      expect(master.user).not.toBe("");
      const adminClient = new pg.Client({ connectionString: postgres.adminUrl });
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
          const r = await run(cmd ?? "node", args, {
            cwd: join(repoRoot, "packages/platform"),
            env: { ...envOf, DB_HOST: admin.hostname, DB_PORT: admin.port, DB_SSL_ROOT_CERT: "" },
          });
          printed.push(r.stdout, r.stderr);
          expect({ round, code: r.code, stderr: r.stderr }).toEqual({ round, code: 0, stderr: "" });
          expect(r.stdout.match(/role and database ready/g)).toHaveLength(3);
        }
        const urls = Object.entries(envOf).filter(([k]) => k.startsWith("DATABASE_URL_"));
        expect(urls.map(([k]) => k).sort()).toEqual([
          "DATABASE_URL_CALENDAR",
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

  it(
    "destroys, and no database password is in the state or in anything terraform printed",
    async () => {
      // The passwords as they are in the account: the RDS-managed master secret and each DATABASE_URL secret.
      const list = (await aws(endpoint, "secretsmanager", "list-secrets")) as {
        SecretList: { ARN: string; Name: string }[];
      };
      const passwords: string[] = [];
      for (const s of list.SecretList) {
        const value = await secretValue(s.ARN);
        passwords.push(
          s.Name.startsWith("rds!")
            ? String((JSON.parse(value) as { password: string }).password)
            : decodeURIComponent(new URL(value).password),
        );
      }
      expect(passwords.length).toBe(4);
      for (const p of passwords) expect(p.length).toBeGreaterThanOrEqual(8);

      const started = Date.now();
      down = await run(script, ["down", dir]);
      printed.push(down.stdout, down.stderr);
      process.stderr.write(
        `[infra] rehearsal ${labRole ?? "own roles"}: destroy ${Math.round((Date.now() - started) / 1000)} s\n`,
      );
      expect({ code: down.code, tail: down.code === 0 ? "" : down.stderr.slice(-4000) }).toEqual({
        code: 0,
        tail: "",
      });
      const finalState = JSON.parse(readFileSync(join(dir, "terraform.tfstate"), "utf8")) as {
        resources: unknown[];
      };
      expect(finalState.resources).toEqual([]);

      const places = {
        "state after apply": stateAfterApply,
        "state after destroy": JSON.stringify(finalState),
        "terraform output -json": outputs,
        "apply, destroy and db-init output": printed.join("\n"),
      };
      expect(stateAfterApply.length).toBeGreaterThan(10_000);
      for (const [where, text] of Object.entries(places)) {
        const leaked = passwords.filter((p) => text.includes(p)).map((p) => `${p.slice(0, 3)}…`);
        expect({ where, leaked }).toEqual({ where, leaked: [] });
      }
    },
    minutes(8),
  );
});

function isZodObject(
  v: unknown,
): v is { shape: Record<string, { safeParse(x: unknown): { success: boolean; data?: unknown } }> } {
  return typeof v === "object" && v !== null && "shape" in v && "safeParse" in v;
}

/** The ENV lines of the root Dockerfile, as the container sees them (SERVICE is the build argument). */
function dockerfileEnv(service: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(repoRoot, "Dockerfile"), "utf8").split("\n")) {
    const m = /^ENV\s+(.+)$/.exec(line.trim());
    if (!m?.[1]) continue;
    for (const pair of m[1].split(/\s+/)) {
      const [k, v] = pair.split("=");
      if (k && v !== undefined) env[k] = v.replace(/\$\{SERVICE\}/, service);
    }
  }
  return env;
}
