/**
 * What the deployed functions get for `@smithy/core/event-streams` (esbuild `--alias:`, set in
 * infra/constructs/RelayFunction.ts). The SDK's HTTP protocol imports it lazily, only for operations that
 * stream events (Transcribe, Bedrock, Kinesis SubscribeToShard…); SQS and Secrets Manager have none, yet a
 * single-file bundle carried the 15 KB of codecs. If an event-stream operation is ever called, it fails with
 * this message instead of silently missing code.
 */
function unavailable(): never {
  throw new Error("AWS event streams are not bundled into the relay's functions (infra/bundling/noEventStreams.ts)");
}

export class EventStreamSerde {
  constructor() {
    unavailable();
  }
}

/** A marshaller that fails when used: building a client is fine, streaming events is not. */
const unavailableMarshaller = { serialize: unavailable, deserialize: unavailable };

export const eventStreamSerdeProvider = () => unavailableMarshaller;
