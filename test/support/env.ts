/** Runs `body` with the given environment variables set (undefined unsets), then restores them. */
export function withEnv<Result>(vars: Record<string, string | undefined>, body: () => Result): Result {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  try {
    return body();
  } finally {
    apply(saved);
  }
}
