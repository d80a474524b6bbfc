import type { LiveRecord } from "../../infra/local/live/recorder.js";

export interface LiveRecordFeed {
  /** Every record the live view streamed so far, oldest first. */
  readonly records: LiveRecord[];
  stop(): void;
}

/**
 * Follows the local stack's live view stream (`GET /_live/events`, server-sent events) and keeps every
 * record: the snapshot at `/_live/records` keeps only the last 1,000, fewer than a large run makes.
 */
export async function followLiveRecords(liveUrl: string): Promise<LiveRecordFeed> {
  const records: LiveRecord[] = [];
  const abort = new AbortController();
  const response = await fetch(`${liveUrl}/events`, { signal: abort.signal });
  if (!response.ok || !response.body) throw new Error(`the live view stream answered ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffered = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffered += value;
        let end: number;
        while ((end = buffered.indexOf("\n\n")) >= 0) {
          const message = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = message.split("\n").find((line) => line.startsWith("data: "));
          if (data) records.push(JSON.parse(data.slice("data: ".length)) as LiveRecord);
        }
      }
    } catch {
      // Aborted by stop(): the stream ends with the test.
    }
  })();
  return { records, stop: () => abort.abort() };
}
