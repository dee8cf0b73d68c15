/**
 * SecretBox: AES-256-GCM secrets at rest — round trips, tamper detection, associated data,
 * malformed input, key rotation, and error messages that never leak plaintext or keys.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { SecretBox, SecretBoxError, keyIdOf, parseKeyHex, type SecretBoxErrorCode } from "./secret-box.js";

const PLAINTEXT = "ghp_super-secret-token-1234567890";
const ROW = "org:42:secret:7";

/** Asserts that `action` throws a SecretBoxError with `code` whose message reveals no secret. */
function assertSecretBoxError(action: () => unknown, code: SecretBoxErrorCode, ...secrets: string[]) {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof SecretBoxError);
    assert.equal(error.code, code);
    for (const secret of [PLAINTEXT, ...secrets]) assert.ok(!error.message.includes(secret));
    return true;
  });
}

/** Flips one bit of the decoded part at `index` of a `v1.keyId.iv.ciphertext.tag` string. */
function flipByteInPart(sealed: string, index: number): string {
  const parts = sealed.split(".");
  const bytes = Buffer.from(parts[index] ?? "", "base64url");
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  parts[index] = bytes.toString("base64url");
  return parts.join(".");
}

describe("SecretBox", () => {
  const key = randomBytes(32);
  const box = new SecretBox({ current: key });

  it("round-trips plaintext, with and without associated data", () => {
    assert.equal(box.decrypt(box.encrypt(PLAINTEXT)), PLAINTEXT);
    assert.equal(box.decrypt(box.encrypt(PLAINTEXT, ROW), ROW), PLAINTEXT);
    assert.equal(box.decrypt(box.encrypt("")), "");
    assert.equal(box.decrypt(box.encrypt("héllo ✓")), "héllo ✓");
  });

  it("produces the documented format, naming the current key", () => {
    const parts = box.encrypt(PLAINTEXT).split(".");
    assert.equal(parts.length, 5);
    assert.equal(parts[0], "v1");
    assert.equal(parts[1], keyIdOf(key));
    assert.equal(box.currentKeyId, keyIdOf(key));
    assert.match(box.currentKeyId, /^[0-9a-f]{12}$/);
  });

  it("uses a fresh IV each time, so two encryptions differ", () => {
    const first = box.encrypt(PLAINTEXT);
    const second = box.encrypt(PLAINTEXT);
    assert.notEqual(first, second);
    assert.notEqual(first.split(".")[2], second.split(".")[2]);
  });

  it("rejects mismatched associated data as tampered", () => {
    const sealed = box.encrypt(PLAINTEXT, ROW);
    assertSecretBoxError(() => box.decrypt(sealed, "org:43:secret:7"), "tampered");
    assertSecretBoxError(() => box.decrypt(sealed), "tampered");
    assertSecretBoxError(() => box.decrypt(box.encrypt(PLAINTEXT), ROW), "tampered");
  });

  it("rejects a flipped byte in the ciphertext or tag as tampered", () => {
    const sealed = box.encrypt(PLAINTEXT);
    assertSecretBoxError(() => box.decrypt(flipByteInPart(sealed, 3)), "tampered");
    assertSecretBoxError(() => box.decrypt(flipByteInPart(sealed, 4)), "tampered");
    assertSecretBoxError(() => box.decrypt(flipByteInPart(sealed, 2)), "tampered");
  });

  it("rejects a value sealed with an unconfigured key as unknown_key", () => {
    const sealed = new SecretBox({ current: randomBytes(32) }).encrypt(PLAINTEXT);
    assertSecretBoxError(() => box.decrypt(sealed), "unknown_key");
  });

  it("rejects malformed strings", () => {
    const [, keyId, iv, body, tag] = box.encrypt(PLAINTEXT).split(".");
    const malformed = [
      "",
      "not a secret",
      `v2.${keyId}.${iv}.${body}.${tag}`,
      `v1.${keyId}.${iv}.${body}`,
      `v1.${keyId}.${iv}.${body}.${tag}.extra`,
      `v1.NOT-A-KEY-ID.${iv}.${body}.${tag}`,
      `v1.${keyId}.${iv}.${body}!!.${tag}`,
      `v1.${keyId}.${iv}.${body}.${tag}=`,
      `v1.${keyId}.${iv}AA.${body}.${tag}`,
      `v1.${keyId}.${iv}.${body}.AAAA`,
    ];
    for (const value of malformed) {
      assertSecretBoxError(() => box.decrypt(value), "malformed");
    }
    assertSecretBoxError(() => box.needsRotation("v1.only.three"), "malformed");
  });

  it("rotates from a previous key to the current one", () => {
    const key1 = randomBytes(32);
    const key2 = randomBytes(32);
    const boxA = new SecretBox({ current: key1 });
    const boxB = new SecretBox({ current: key2, previous: [key1] });
    const old = boxA.encrypt(PLAINTEXT, ROW);

    assert.equal(boxB.decrypt(old, ROW), PLAINTEXT);
    assert.equal(boxB.needsRotation(old), true);
    assert.equal(boxA.needsRotation(old), false);

    const rotated = boxB.rotate(old, ROW);
    assert.equal(boxB.needsRotation(rotated), false);
    assert.equal(rotated.split(".")[1], keyIdOf(key2));
    assert.equal(new SecretBox({ current: key2 }).decrypt(rotated, ROW), PLAINTEXT);
    assert.equal(boxB.rotate(rotated, ROW), rotated);
    assertSecretBoxError(() => boxB.rotate(old, "org:43:secret:7"), "tampered");
  });

  it("rejects keys that are not 32 bytes, without echoing them", () => {
    for (const badKey of [randomBytes(16), randomBytes(33)]) {
      for (const keys of [{ current: badKey }, { current: randomBytes(32), previous: [badKey] }]) {
        assert.throws(
          () => new SecretBox(keys),
          (error: unknown) => error instanceof Error && /32 bytes/.test(error.message) && !error.message.includes(badKey.toString("hex")),
        );
      }
    }
  });
});

describe("parseKeyHex", () => {
  it("accepts 64 hex characters", () => {
    const hex = randomBytes(32).toString("hex");
    assert.deepEqual(parseKeyHex(hex), Buffer.from(hex, "hex"));
    assert.equal(parseKeyHex(hex.toUpperCase()).length, 32);
  });

  it("rejects anything else without echoing the input", () => {
    const bad = ["", "abc", "zz".repeat(32), "ab".repeat(31), "ab".repeat(33)];
    for (const hex of bad) {
      assert.throws(
        () => parseKeyHex(hex),
        (error: unknown) => error instanceof Error && (hex === "" || !error.message.includes(hex)),
      );
    }
  });
});
