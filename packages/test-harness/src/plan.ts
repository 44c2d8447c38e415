/** A node of `EXPLAIN (ANALYZE, FORMAT JSON)`: the fields plan checks read (BUFFERS adds the block counts). */
export interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  "Heap Fetches"?: number;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  Plans?: PlanNode[];
}

/** The node and every node below it. */
export const planNodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(planNodes)];

/**
 * What a plan's scans of `relation` did: each scan (`"Index Scan outbox_xid"`), the rows they touched (kept and
 * filtered out, times their loops) and their loops. A plan check asserts on these, never on time.
 */
export function scansOf(plan: PlanNode, relation: string): { scans: string[]; rows: number; loops: number } {
  const scans = planNodes(plan).filter((n) => n["Relation Name"] === relation);
  return {
    scans: scans.map((n) => `${n["Node Type"]} ${n["Index Name"] ?? ""}`.trim()),
    rows: scans.reduce(
      (t, n) => t + (n["Actual Rows"] + (n["Rows Removed by Filter"] ?? 0)) * n["Actual Loops"],
      0,
    ),
    loops: scans.reduce((t, n) => t + n["Actual Loops"], 0),
  };
}
