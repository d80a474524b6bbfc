import { describe, expect, it } from "vitest";
import { sizedSqsJson, sqsJson } from "../../../shared/queue/messageText.js";

const SQS_TEXT = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD]*$/;

describe("sqsJson", () => {
  it.each([
    ["an emoji", "push 💥"],
    ["U+FFFE and U+FFFF", "a\uFFFEb\uFFFF"],
    ["a lone surrogate", "x\uD800y"],
    ["control characters", "\u0000\u0008\u001f"],
    ["plain text and quotes", 'say "hi" \\ bye'],
  ])("writes %s as text SQS takes, which parses back to the same value", (_, text) => {
    const value = { [text]: [text, { nested: text }] };

    const json = sqsJson(value);

    expect(json).toMatch(SQS_TEXT);
    expect(JSON.parse(json)).toEqual(value);
  });

  it("leaves ordinary JSON as JSON.stringify writes it", () => {
    expect(sqsJson({ a: "é ü ß 中", b: [1, null] })).toBe(JSON.stringify({ a: "é ü ß 中", b: [1, null] }));
  });

  it.each([
    ["ASCII", { a: "plain" }],
    ["multi-byte text", { a: "é ü ß 中" }],
    ["escaped characters", { a: "push 💥 \uFFFF" }],
  ])("gives the UTF-8 size of the text it writes (%s)", (_, value) => {
    const { json, bytes } = sizedSqsJson(value);

    expect(json).toBe(sqsJson(value));
    expect(bytes).toBe(Buffer.byteLength(json));
  });
});
