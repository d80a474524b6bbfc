/**
 * Sets an own enumerable property the way object spread and `Object.fromEntries` do, so a mapper that
 * copies with plain loops (cheaper per event: docs/performance.md, "Mapping") keeps a `__proto__` key as
 * a property instead of setting the prototype.
 */
export function setOwn(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === "__proto__") Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  else target[name] = value;
}
