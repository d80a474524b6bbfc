import { fork } from "node:child_process";

/**
 * A bench part in a process of its own: forked with the parent's loader and environment, ready once it sends
 * its first message (what it says there, e.g. an endpoint, is `ready`), stopped when the parent asks.
 */
export async function forkReady<Ready>(script: string, args: string[]): Promise<{ ready: Ready; stop(): Promise<void> }> {
  const child = fork(script, args, { execArgv: process.execArgv, stdio: ["ignore", "ignore", "pipe", "ipc"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once("message", (message) => resolve(message as Ready));
    child.once("exit", (code) => reject(new Error(`${script} exited (${code}) while starting: ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    ready,
    stop: async () => {
      if (child.exitCode === null && child.connected) child.send("stop");
      await exited;
    },
  };
}

/** In the forked part: tells the parent it is ready (with `ready`), and runs `stop` then exits when asked. */
export function serveUntilStopped(ready: unknown, stop: () => Promise<void>): void {
  process.once("message", () => void stop().then(() => process.exit(0)));
  process.send?.(ready);
}
