// npm run bench -- calendar: the end-to-end job figures (calendar-jobs.ts), then the builder's build time and
// peak memory for 1,000, 10,000 and 100,000 todos (calendar-build.ts). Each takes its own options too:
// `npm run bench -- calendar-jobs --jobs 100`, `npm run bench -- calendar-build --sizes 100000`.
const { spawnSync } = await import("node:child_process");
for (const part of ["calendar-jobs", "calendar-build"]) {
  const r = spawnSync(process.execPath, ["scripts/bench.ts", part], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
