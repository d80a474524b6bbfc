/**
 * What the deployed functions get for `@smithy/core/event-streams` (esbuild `--alias:`, set in
 * infra/constructs/RelayFunction.ts). The SDK's HTTP protocol imports it lazily, only for operations that
 * stream events (Transcribe, Bedrock, Kinesis SubscribeToShard…); SQS and Secrets Manager have none, yet a
 * single-file bundle carried the 15 KB of codecs. The Lambda client (a worker pauses its event source
 * mapping) resolves an event-stream marshaller when it is built, for InvokeWithResponseStream, which the
 * relay never calls: it gets one that fails. If an event-stream operation is ever called, it fails with
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

/** As the SDK's: the client config gains the provider's marshaller. */
export const resolveEventStreamSerdeConfig = <Config extends object>(input: Config): Config & { eventStreamMarshaller: typeof unavailableMarshaller } =>
  Object.assign(input, { eventStreamMarshaller: unavailableMarshaller });
