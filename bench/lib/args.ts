// A benchmark's command line: its options with their defaults (a string, `false` for a flag, `undefined` for an
// option with no default), checked once; `--help` prints the usage built from them. An unknown option is an error.
import { parseArgs } from "node:util";

type Defaults = Record<string, string | boolean | undefined>;
type Values<D extends Defaults> = {
  [K in keyof D]: D[K] extends boolean ? boolean : D[K] extends string ? string : string | undefined;
};

export interface BenchArgs<D extends Defaults> {
  values: Values<D>;
  /** Prints `bench <name>: <message>` and the usage, exits 2. */
  usage(message: string): never;
  /** The option as an integer >= `min`, else a usage error. */
  int(key: keyof D & string, min?: number): number;
  /** The option as a positive number (fractions allowed), else a usage error. */
  positive(key: keyof D & string): number;
  /** The option as one of `choices`, else a usage error. */
  choice<C extends string>(key: keyof D & string, choices: readonly C[]): C;
}

export function benchArgs<D extends Defaults>(name: string, defaults: D): BenchArgs<D> {
  const options = Object.fromEntries(
    Object.entries(defaults).map(([key, d]) => [
      key,
      typeof d === "boolean"
        ? { type: "boolean" as const, default: d }
        : { type: "string" as const, ...(d !== undefined && { default: d }) },
    ]),
  );
  const usageLine =
    `usage: npm run bench -- ${name} ` +
    Object.entries(defaults)
      .map(([key, d]) => (typeof d === "boolean" ? `[--${key}]` : `[--${key} ${d ?? "VALUE"}]`))
      .join(" ");
  const usage = (message: string): never => {
    process.stderr.write(`bench ${name}: ${message}\n${usageLine}\n`);
    process.exit(2);
  };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ options: { ...options, help: { type: "boolean", default: false } } });
  } catch (err) {
    return usage((err as Error).message);
  }
  if (parsed.values.help) {
    process.stdout.write(`${usageLine}\n`);
    process.exit(0);
  }
  const values = parsed.values as Values<D>;
  const raw = (key: string) => (parsed.values as Record<string, unknown>)[key];
  return {
    values,
    usage,
    int(key, min = 1) {
      const n = Number(raw(key));
      if (!Number.isInteger(n) || n < min) usage(`--${key} must be an integer >= ${min}, got ${raw(key)}`);
      return n;
    },
    positive(key) {
      const n = Number(raw(key));
      if (!(n > 0)) usage(`--${key} must be a positive number, got ${raw(key)}`);
      return n;
    },
    choice(key, choices) {
      const v = raw(key) as string;
      if (!(choices as readonly string[]).includes(v))
        usage(`--${key} must be ${choices.join(", ")}, got ${v}`);
      return v as (typeof choices)[number];
    },
  };
}
