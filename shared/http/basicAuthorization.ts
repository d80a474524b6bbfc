/** An HTTP Basic `Authorization` header value (mParticle feeds, Mixpanel import). */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}
