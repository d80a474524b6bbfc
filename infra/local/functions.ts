import { fileURLToPath, pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";

const FUNCTIONS_DIR = fileURLToPath(new URL("../../functions/", import.meta.url));

/** Loads the real handler of functions/<name>.ts, as the Lambda runtime would load the bundle. */
export async function loadHandler<Event, Result>(functionName: string): Promise<(event: Event, context: Context) => Promise<Result>> {
  const module = (await import(pathToFileURL(`${FUNCTIONS_DIR}${functionName}.ts`).href)) as {
    handler?: (event: Event, context: Context) => Promise<Result>;
  };
  if (typeof module.handler !== "function") throw new Error(`functions/${functionName}.ts does not export a handler`);
  return module.handler;
}
