/** What one batch may hold: at most `count` items and at most `bytes`, counting its own framing and each item's size. */
export interface BatchLimits {
  /** Items per batch; no limit when absent. */
  count?: number;
  /** The most bytes a batch may reach (a limit the partner states as "under N" is N - 1). */
  bytes: number;
  /** What an empty batch already weighs: brackets, an envelope. */
  frameBytes?: number;
}

export interface FilledBatch<Item> {
  items: Item[];
  /** The frame plus the sizes of the items. */
  bytes: number;
}

/**
 * Items, in order, into consecutive batches within `limits`: a batch closes when the next item would break
 * either limit. An item too large for any batch gets one of its own; callers set such items aside first.
 */
export function fillBatches<Item>(items: Iterable<Item>, sizeOf: (item: Item) => number, limits: BatchLimits): FilledBatch<Item>[] {
  const { count = Number.POSITIVE_INFINITY, bytes: maxBytes, frameBytes = 0 } = limits;
  const batches: FilledBatch<Item>[] = [];
  let batch: FilledBatch<Item> = { items: [], bytes: frameBytes };
  for (const item of items) {
    const size = sizeOf(item);
    if (batch.items.length > 0 && (batch.items.length === count || batch.bytes + size > maxBytes)) {
      batches.push(batch);
      batch = { items: [], bytes: frameBytes };
    }
    batch.items.push(item);
    batch.bytes += size;
  }
  if (batch.items.length > 0) batches.push(batch);
  return batches;
}

/** Whether a batch is full: it holds `count` items, or one more item of its own mean size would break `bytes`. */
export function isFull(batch: FilledBatch<unknown>, limits: BatchLimits): boolean {
  const { count = Number.POSITIVE_INFINITY, bytes: maxBytes, frameBytes = 0 } = limits;
  const items = batch.items.length;
  return items >= count || (items > 0 && batch.bytes + (batch.bytes - frameBytes) / items > maxBytes);
}
