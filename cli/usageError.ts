/** A command line the CLI cannot act on: exit code 2 and the usage text, not a stack trace. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
