import { loadavg } from "node:os";
import { countRequests } from "./requests.js";

/**
 * The request counts alone (step 5 of `npm run bench`), printed, not written to bench/results.json: what a
 * change to batching or carry-over does to `requests.*`, in about a minute. `npm run bench:requests`.
 */
const round = (value: number) => Math.round(value * 100) / 100;
const loadAtStart = loadavg().map(round);
const result = await countRequests();
for (const count of result.counts) {
  console.log(
    `${count.name.padEnd(38)} ${String(round(count.value)).padStart(7)}  minimum ${String(round(count.minimum)).padStart(7)}  ${round(count.value / count.minimum)}×`,
  );
}
console.log(`drain ${round(result.drainSeconds)} s; workers ${JSON.stringify(result.workers)}`);
console.log(`load average ${loadAtStart.join(" ")} at start, ${loadavg().map(round).join(" ")} at end`);
