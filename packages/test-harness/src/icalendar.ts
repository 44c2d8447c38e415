import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { aptGet } from "./apt.ts";

/** One VEVENT as Debian's python3-icalendar reads it. */
export interface PythonVevent {
  uid: string;
  summary: string;
  sequence: number | null;
  dtstart: string;
  categories: string[];
}

export interface PythonCalendar {
  refreshInterval: string | null;
  publishedTtl: string | null;
  events: PythonVevent[];
}

const PYTHON = "/usr/bin/python3";

// Reads the calendar from stdin with the icalendar library (the one the course's original code used) and
// prints what it understood as JSON. Calendar.from_ical raises on malformed input.
const SCRIPT = `
import json, sys
import icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
def text(v):
    return None if v is None else str(v)
events = []
for ev in cal.walk("VEVENT"):
    cats = ev.get("CATEGORIES")
    names = []
    for c in (cats if isinstance(cats, list) else [cats] if cats is not None else []):
        names += [str(x) for x in c.cats]
    seq = ev.get("SEQUENCE")
    events.append({
        "uid": str(ev.get("UID")),
        "summary": str(ev.get("SUMMARY")),
        "sequence": None if seq is None else int(seq),
        "dtstart": ev.decoded("DTSTART").isoformat(),
        "categories": names,
    })
print(json.dumps({
    "refreshInterval": text(cal.get("REFRESH-INTERVAL").to_ical().decode() if cal.get("REFRESH-INTERVAL") is not None else None),
    "publishedTtl": text(cal.get("X-PUBLISHED-TTL")),
    "events": events,
}))
`;

function hasIcalendar(): boolean {
  return (
    existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import icalendar"], { stdio: "ignore" }).status === 0
  );
}

/**
 * Debian's python3-icalendar, an iCalendar reader independent of ours (ical-generator writes, ical.js reads in
 * the other tests). Installed with apt-get when missing and we are root on Debian (as CI is); elsewhere a clear
 * error says what to install: the test fails rather than skipping.
 */
export function ensurePythonIcalendar(): void {
  if (hasIcalendar()) return;
  if (process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    spawnSync("apt-get", aptGet("update", "-qq"), { stdio: "ignore", env });
    spawnSync("apt-get", aptGet("install", "-y", "-qq", "--no-install-recommends", "python3-icalendar"), {
      stdio: "ignore",
      env,
    });
  }
  if (!hasIcalendar()) {
    throw new Error(
      `${PYTHON} cannot import icalendar: install Debian's python3-icalendar (apt-get install python3-icalendar)`,
    );
  }
}

/** Parses an .ics with python3-icalendar; throws with its error output when it refuses the calendar. */
export function readWithPythonIcalendar(ics: string | Buffer): PythonCalendar {
  ensurePythonIcalendar();
  const run = spawnSync(PYTHON, ["-c", SCRIPT], {
    input: ics,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`python3-icalendar refused the calendar: ${run.stderr}`);
  return JSON.parse(run.stdout) as PythonCalendar;
}
