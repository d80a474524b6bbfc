import { AsyncLocalStorage } from "node:async_hooks";

// In Lambda each function has its own process.env. The local stack runs every handler in one process,
// so it runs each invocation inside that function's own environment, and every reader below sees only
// the variables the deployed function would have.
const functionEnvironment = new AsyncLocalStorage<Readonly<Record<string, string | undefined>>>();

/** An environment variable of the running function: its invocation's environment if it has one, else process.env. */
export function environmentVariable(name: string): string | undefined {
  const scoped = functionEnvironment.getStore();
  return scoped ? scoped[name] : process.env[name];
}

/** Runs `invoke` (and everything it awaits) with `environment` as the function's whole environment. */
export function runInFunctionEnvironment<T>(environment: Readonly<Record<string, string | undefined>>, invoke: () => T): T {
  return functionEnvironment.run(environment, invoke);
}
