/**
 * Log redaction: secret-bearing keys and credentials inside messages never reach output.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { createLogger, scrubSecrets } from "./logging.js";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger("info", stream) };
}

describe("scrubSecrets", () => {
  it("removes passwords from connection strings", () => {
    assert.equal(scrubSecrets("connect postgres://ctx:s3cr3t@db.internal:5432/ctxpipe failed"), "connect postgres://ctx:***@db.internal:5432/ctxpipe failed");
  });
  it("removes tokens used as URL user names", () => {
    assert.equal(scrubSecrets("clone https://ghp_abcdef123456@github.com/o/r"), "clone https://***@github.com/o/r");
  });
  it("removes bearer tokens", () => {
    assert.equal(scrubSecrets("Authorization: Bearer ctx_0123456789abcdef"), "Authorization: Bearer ***");
  });
  it("leaves ordinary text alone", () => {
    assert.equal(scrubSecrets("see https://example.com/docs at 10:30"), "see https://example.com/docs at 10:30");
  });
});

describe("createLogger", () => {
  it("redacts secret keys at any of the first levels", () => {
    const { lines, logger } = capture();
    logger.info({ password: "p1", config: { authSecret: "s1", port: 3 }, req: { headers: { authorization: "Bearer t1", cookie: "c1" } } }, "hello");
    const line = lines.join("");
    for (const secret of ["p1", "s1", "Bearer t1", "c1"]) assert.ok(!line.includes(`"${secret}"`), `${secret} leaked: ${line}`);
    assert.match(line, /"port":3/);
    assert.match(line, /\[redacted\]/);
  });
  it("scrubs credentials from logged errors", () => {
    const { lines, logger } = capture();
    logger.error({ err: new Error("cannot reach postgres://u:hunter2@db/x") }, "boom");
    assert.ok(!lines.join("").includes("hunter2"));
    assert.match(lines.join(""), /postgres:\/\/u:\*\*\*@db\/x/);
  });
});
