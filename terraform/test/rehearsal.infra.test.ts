// The moto rehearsal of terraform/aws, twice: once creating its own IAM roles, once as in AWS Academy Learner Lab
// (lab_role_name, which must create no IAM role or policy) with the optional parts on (HTTPS listener, ALB
// access logs, VPC flow logs, alarm e-mail). Each: apply -> check-topology -> the checks below -> destroy, and
// then no database password may be in the state or in anything terraform printed. Shared pieces and three groups
// of checks live beside this file (rehearsal.ts; rehearsal.edge.ts, .env.ts, .db-init.ts); all run on one apply.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { chooseInfra, type PostgresServer, startPostgres } from "@taskoverflow/test-harness";
import { aws, awsModule, ok, run, tf } from "./lib.ts";
import { dbInitChecks } from "./rehearsal.db-init.ts";
import { edgeChecks } from "./rehearsal.edge.ts";
import { serviceEnvironmentChecks } from "./rehearsal.env.ts";
import { minutes, type Rehearsal, secretValue, services, type TaskDefinition } from "./rehearsal.ts";

const script = join(awsModule, "rehearse-moto.sh");

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
  const rh: Rehearsal = {
    dir: mkdtempSync(join(tmpdir(), "taskoverflow-rehearsal-")),
    up: { code: -1, stdout: "", stderr: "" },
    endpoint: "",
    stateAfterApply: "",
    outputs: "",
    printed: [],
    taskDefinitions: new Map<string, TaskDefinition>(),
  };

  beforeAll(async () => {
    const started = Date.now();
    rh.up = await run(script, ["up", rh.dir], { env });
    rh.printed.push(rh.up.stdout, rh.up.stderr);
    process.stderr.write(
      `[infra] rehearsal ${labRole ?? "own roles"}: apply + check ${Math.round((Date.now() - started) / 1000)} s\n`,
    );
    rh.endpoint = readFileSync(join(rh.dir, "endpoint"), "utf8").trim();
    if (rh.up.code !== 0) return;
    rh.stateAfterApply = readFileSync(join(rh.dir, "terraform.tfstate"), "utf8");
    const out = await ok(tf, [
      `-chdir=${awsModule}`,
      "output",
      "-json",
      `-state=${join(rh.dir, "terraform.tfstate")}`,
    ]);
    rh.outputs = out.stdout;
    rh.printed.push(out.stdout, out.stderr);
    for (const family of [...services, "db-init"]) {
      const td = (await aws(
        rh.endpoint,
        "ecs",
        "describe-task-definition",
        "--task-definition",
        `taskoverflow-${family}`,
      )) as {
        taskDefinition: TaskDefinition;
      };
      rh.taskDefinitions.set(family, td.taskDefinition);
    }
  }, minutes(12));

  afterAll(async () => {
    if (!rh.down) await run(script, ["down", rh.dir]);
    rmSync(rh.dir, { recursive: true, force: true });
  }, minutes(8));

  it("applies, and the event backbone matches topology.json", () => {
    expect({
      code: rh.up.code,
      tail: rh.up.code === 0 ? "" : `${rh.up.stdout.slice(-4000)}\n${rh.up.stderr.slice(-4000)}`,
    }).toEqual({
      code: 0,
      tail: "",
    });
    expect(rh.up.stdout).toContain("topology matches topology.json");
  });

  it(
    labRole
      ? "creates no IAM role or policy and runs every task as the lab role"
      : "gives every task its own roles",
    async () => {
      const state = JSON.parse(rh.stateAfterApply) as { resources: { mode: string; type: string }[] };
      const iamResources = state.resources
        .filter((r) => r.mode === "managed" && r.type.startsWith("aws_iam_"))
        .map((r) => r.type);
      const roles = (
        (await aws(rh.endpoint, "iam", "list-roles")) as { Roles: { RoleName: string; Arn: string }[] }
      ).Roles;
      const families = [...rh.taskDefinitions.values()];
      expect(families).toHaveLength(6);
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
        expect(new Set(arns).size).toBe(arns.length); // 5 services x 2 + db-init's execution role, none shared
        expect(arns).toHaveLength(11);
      }
    },
  );

  edgeChecks(rh, labRole);
  serviceEnvironmentChecks(rh);
  dbInitChecks(rh, () => postgres);

  it(
    "destroys, and no database password is in the state or in anything terraform printed",
    async () => {
      // The passwords as they are in the account: the RDS-managed master secret, each DATABASE_URL secret and
      // the explorer's bearer token.
      const list = (await aws(rh.endpoint, "secretsmanager", "list-secrets")) as {
        SecretList: { ARN: string; Name: string }[];
      };
      const passwords: string[] = [];
      for (const s of list.SecretList) {
        const value = await secretValue(rh, s.ARN);
        passwords.push(
          s.Name.startsWith("rds!")
            ? String((JSON.parse(value) as { password: string }).password)
            : s.Name.endsWith("/explorer/token")
              ? value
              : decodeURIComponent(new URL(value).password),
        );
      }
      expect(passwords.length).toBe(6);
      for (const p of passwords) expect(p.length).toBeGreaterThanOrEqual(8);

      const started = Date.now();
      rh.down = await run(script, ["down", rh.dir]);
      rh.printed.push(rh.down.stdout, rh.down.stderr);
      process.stderr.write(
        `[infra] rehearsal ${labRole ?? "own roles"}: destroy ${Math.round((Date.now() - started) / 1000)} s\n`,
      );
      expect({ code: rh.down.code, tail: rh.down.code === 0 ? "" : rh.down.stderr.slice(-4000) }).toEqual({
        code: 0,
        tail: "",
      });
      const finalState = JSON.parse(readFileSync(join(rh.dir, "terraform.tfstate"), "utf8")) as {
        resources: unknown[];
      };
      expect(finalState.resources).toEqual([]);

      const places = {
        "state after apply": rh.stateAfterApply,
        "state after destroy": JSON.stringify(finalState),
        "terraform output -json": rh.outputs,
        "apply, destroy and db-init output": rh.printed.join("\n"),
      };
      expect(rh.stateAfterApply.length).toBeGreaterThan(10_000);
      for (const [where, text] of Object.entries(places)) {
        const leaked = passwords.filter((p) => text.includes(p)).map((p) => `${p.slice(0, 3)}…`);
        expect({ where, leaked }).toEqual({ where, leaked: [] });
      }
    },
    minutes(8),
  );
});
