import { spawn } from "node:child_process";
import { waitFor } from "./waitFor.js";
import { defined } from "./defined.js";

type Exit = { code: number | null; signal: string | null };

/** `npm start` as a child process in its own process group. */
export interface NpmStartProcess {
  /** The npm process. */
  pid: number;
  /** Everything printed so far, stdout and stderr. */
  output(): string;
  /** Resolves when npm exits. */
  exited: Promise<Exit>;
  /** Ctrl-C, then the exit. */
  stop(): Promise<Exit>;
  /** SIGKILL to the whole process group, whatever is left of it (cleanup after a failed test). */
  kill(): void;
}

export interface NpmStart extends NpmStartProcess {
  port: number;
  sqsPort: number;
}

/** Starts `npm start` with no AWS or partner settings from this environment, PORT and LOCAL_SQS_PORT 0; does not wait. */
export function spawnNpmStart(extraEnv: Record<string, string> = {}): NpmStartProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0", LOCAL_SQS_PORT: "0" };
  for (const name of [
    "AWS_ENDPOINT_URL_SQS",
    "RELAY_SECRETS_FILE",
    "PUSHWOOSH_API_URL",
    "MPARTICLE_API_URL",
    "MIXPANEL_API_URL",
    "AWS_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_PROFILE",
  ]) {
    delete env[name];
  }
  Object.assign(env, extraEnv);
  const child = spawn("npm", ["start"], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return {
    pid: defined(child.pid),
    output: () => output,
    exited,
    // npm forwards the signal to the node process, as a terminal's Ctrl-C does for the whole group.
    stop: () => {
      process.kill(-defined(child.pid), "SIGINT");
      return exited;
    },
    kill: () => {
      try {
        process.kill(-defined(child.pid), "SIGKILL");
      } catch {
        // The group is gone already: nothing was left behind.
      }
    },
  };
}

/**
 * `npm start` in a child process on free ports, once GET /health answers 200 (within 20 s). Port 0: the
 * child binds free ports itself and prints them (a port probed here could be taken before the child binds it).
 */
export async function npmStart(extraEnv: Record<string, string> = {}): Promise<NpmStart> {
  const relay = spawnNpmStart(extraEnv);
  let port = 0;
  let sqsPort = 0;
  try {
    // The startup lines name the API and the embedded SQS.
    port = await waitFor(() => Number(/health: +GET +http:\/\/127\.0\.0\.1:(\d+)\/health/.exec(relay.output())?.[1]) || undefined, 20_000, "the startup lines");
    sqsPort = Number(/SQS endpoint: +http:\/\/127\.0\.0\.1:(\d+)/.exec(relay.output())?.[1]);
    await waitFor(
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
        return response?.status === 200;
      },
      20_000,
      "GET /health -> 200",
    );
  } catch (error) {
    await relay.stop();
    throw error;
  }
  return { ...relay, port, sqsPort };
}
