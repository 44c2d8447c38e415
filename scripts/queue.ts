// `npm run queue -- <flags>`: the queue lab CLI (packages/queue-lab), run from the repo root.
import { main } from "@taskoverflow/queue-lab";

process.exitCode = await main(process.argv.slice(2));
