// npm run bench -- calendar: see calendar-build.ts.
await import("./calendar-build.ts");
