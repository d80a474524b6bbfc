/**
 * Partner requests in flight at once per worker invocation. A message now carries many events, so a
 * batch can map to hundreds of calls; sending them all at once would be a burst the partner throttles.
 */
const PARTNER_CONCURRENCY = 25;

/** Runs `task` over `items` with at most `limit` running at once; results in the order of `items`. */
export async function mapConcurrently<Item, Result>(items: Item[], task: (item: Item) => Promise<Result>, limit = PARTNER_CONCURRENCY): Promise<Result[]> {
  const results: Result[] = [];
  let next = 0;
  async function lane(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as Item);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
