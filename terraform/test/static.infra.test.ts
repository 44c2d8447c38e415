// Static checks of the Terraform code: formatting, validation of both root modules, and that the image tag
// hashes every file the image build copies.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { ok, repoRoot, run, tf } from "./lib.ts";

describe("terraform code", () => {
  it("is formatted (terraform fmt -check -recursive)", async () => {
    const r = await run("terraform", ["fmt", "-check", "-recursive", "-list=true", "terraform"]);
    expect({ code: r.code, unformatted: r.stdout.trim() }).toEqual({ code: 0, unformatted: "" });
  });

  it.each(["aws", "queue-lab"])(
    "validates: terraform/%s",
    async (module) => {
      const dir = join(repoRoot, "terraform", module);
      const env = dataDir(module);
      await ok(tf, [`-chdir=${dir}`, "init", "-input=false", "-backend=false"], { env });
      const r = await ok(tf, [`-chdir=${dir}`, "validate", "-json"], { env });
      const result = JSON.parse(r.stdout) as { valid: boolean; diagnostics: unknown[] };
      expect(result).toMatchObject({ valid: true });
    },
    120_000,
  );
});

// The Dockerfile copies the build context (COPY . .): the repository without what terraform/aws/images.tf leaves
// out of the tar it sends (terraform/, .git, node_modules, .tools, .data) and what .dockerignore excludes. Every
// such file must be covered by local.source_files, or a change to it would reach the image without a new tag
// (the web UI in services/gateway/public was such a file once).
describe("the image tag", () => {
  it("hashes every file of the build context, and only those", async () => {
    const listed = await ok("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"]);
    const ignore = dockerignore(readFileSync(join(repoRoot, ".dockerignore"), "utf8"));
    const context = listed.stdout
      .split("\0")
      .filter((f) => f !== "")
      .filter((f) => !/^(terraform|\.git|node_modules|\.tools|\.data)(\/|$)/.test(f))
      .filter((f) => !f.split("/").includes("node_modules"))
      .filter((f) => !ignore.some((re) => re.test(f)))
      .sort();
    const env = dataDir("aws-console");
    const dir = join(repoRoot, "terraform/aws");
    await ok(tf, [`-chdir=${dir}`, "init", "-input=false", "-backend=false"], { env });
    const consoleOut = await ok(tf, [`-chdir=${dir}`, "console"], {
      env,
      input: "jsonencode(local.source_files)\n",
    });
    const hashed = JSON.parse(JSON.parse(consoleOut.stdout.trim()) as string) as string[];
    expect(context.length).toBeGreaterThan(100);
    expect(context).toContain("services/gateway/public/index.html");
    expect({ notHashed: context.filter((f) => !hashed.includes(f)) }).toEqual({ notHashed: [] });
    expect({ notInContext: hashed.filter((f) => !context.includes(f)) }).toEqual({ notInContext: [] });
  }, 120_000);
});

// Each check inits into a folder of its own (TF_DATA_DIR), never terraform/aws/.terraform, which the rehearsal
// (running in parallel) uses.
const dataDirs = mkdtempSync(join(tmpdir(), "taskoverflow-tf-"));
afterAll(() => rmSync(dataDirs, { recursive: true, force: true }));
function dataDir(name: string): NodeJS.ProcessEnv {
  return { TF_DATA_DIR: join(dataDirs, name) };
}

/** .dockerignore lines as regular expressions over repository paths (the subset of its syntax in use here). */
function dockerignore(text: string): RegExp[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#") && !l.startsWith("!"))
    .map((pattern) => {
      const body = pattern
        .replace(/\/$/, "")
        .split("/")
        .map((part) =>
          part === "**"
            ? "(?:.*/)?"
            : `${part
                .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                .replace(/\*/g, "[^/]*")
                .replace(/\?/g, "[^/]")}/`,
        )
        .join("");
      return new RegExp(`^${body.replace(/\/$/, "")}(?:/|$)`);
    });
}
