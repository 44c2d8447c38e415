/**
 * Whether an If-None-Match header names one of the tags: `*`, or any listed tag in its weak or strong form (the
 * weak comparison RFC 9110 prescribes for GET). Shared by the calendar's feed and the gateway's feed cache.
 */
export function matchesAny(header: string, tags: readonly string[]): boolean {
  if (header.trim() === "*") return true;
  for (const raw of header.split(",")) {
    const tag = raw.trim().replace(/^W\//, "");
    if (tags.includes(tag)) return true;
  }
  return false;
}
