// The figures every benchmark reports: percentiles and medians of measured times, and the machine they came from.
import { cpus, loadavg } from "node:os";

/** The `p`th percentile (0-100) of `xs` (nearest rank below), NaN for none. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? Number.NaN;
}

/** The median of `xs` (the mean of the middle two for an even count), NaN for none. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2
    ? (s[m] ?? Number.NaN)
    : s.length === 0
      ? Number.NaN
      : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/** A percentile rounded to 0.1 ms, for a table cell. */
export const ms1 = (xs: number[], p: number) => Math.round(percentile(xs, p) * 10) / 10;

/** `N cores (nproc), <cpu model>; Node vX; load average L` at the time of the call. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} cores (nproc), ${cpu}; Node ${process.version}; load average ${(loadavg()[0] ?? 0).toFixed(2)}`;
}

/** The command that ran this benchmark, as typed. */
export const benchCommand = (name: string) =>
  `npm run bench -- ${name} ${process.argv.slice(2).join(" ")}`.trim();
