/** A port `npm start` was told to use is taken; the message names the variable that moves it. */
export class PortInUseError extends Error {
  constructor(
    readonly variable: string,
    readonly port: number,
  ) {
    super(`port ${port} is already in use; set ${variable} to a free port (${variable}=0 picks one)`);
  }
}

/** For a listen's `.catch`: turns EADDRINUSE into a PortInUseError, rethrows anything else. */
export function explainPortInUse(variable: string, port: number): (error: unknown) => never {
  return (error) => {
    if ((error as NodeJS.ErrnoException | undefined)?.code === "EADDRINUSE") throw new PortInUseError(variable, port);
    throw error;
  };
}
