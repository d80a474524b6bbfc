import { fileURLToPath, pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";

const FUNCTIONS_DIR = fileURLToPath(new URL("../../functions/", import.meta.url));

/**
 * Loads the real handler of functions/<name>.ts, as the Lambda runtime loads the bundle. Each
 * `environment` number gets its own instance of the module, like a separate execution environment.
 */
export async function loadHandler<Event, Result>(functionName: string, environment = 0): Promise<(event: Event, context: Context) => Promise<Result>> {
  const url = pathToFileURL(`${FUNCTIONS_DIR}${functionName}.ts`);
  if (environment > 0) url.search = `environment=${environment}`;
  const module = (await import(url.href)) as {
    handler?: (event: Event, context: Context) => Promise<Result>;
  };
  if (typeof module.handler !== "function") throw new Error(`functions/${functionName}.ts does not export a handler`);
  return module.handler;
}
