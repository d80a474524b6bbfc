/**
 * What the relay's side of each partner call saw. The local stack runs the relay in this process, and
 * its partner calls go through the global fetch: this wraps it (the real fetch still does the work),
 * tags each call to a partner with a header the sandbox records, and notes whether the relay got the
 * whole answer or gave up (its timeout, a reset). A sandbox alone cannot see a timeout that fires after
 * it answered; together the two sides tell every lost answer.
 */
export const CALL_HEADER = "x-fault-run-call";

export interface ClientOutcomes {
  /** True when the relay never got the whole answer to the call with this tag. */
  failed(tag: string | string[] | undefined): boolean;
  restore(): void;
}

export function recordClientOutcomes(isPartnerUrl: (url: string) => boolean): ClientOutcomes {
  const original = globalThis.fetch;
  const failedTags = new Set<string>();
  let sequence = 0;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    if (!isPartnerUrl(url)) return original(input, init);
    const tag = String(++sequence);
    const headers = new Headers(init?.headers);
    headers.set(CALL_HEADER, tag);
    try {
      const response = await original(input, { ...init, headers });
      // Read the body here, under the caller's own signal, so a timeout while reading counts too.
      const body = await response.arrayBuffer();
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    } catch (error) {
      failedTags.add(tag);
      throw error;
    }
  };
  return {
    failed: (tag) => typeof tag === "string" && failedTags.has(tag),
    restore: () => {
      globalThis.fetch = original;
    },
  };
}
