import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A local port nothing listens on (a server's, once it closed): a call to it is refused at once. */
export async function closedPort(): Promise<number> {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  return port;
}
