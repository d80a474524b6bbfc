import type { Readable } from "node:stream";

export interface CliOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Where the CLI reads and writes; tests pass their own to run commands in-process. */
export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: Readable & { isTTY?: boolean };
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
}
