/**
 * Test keys for GitHub Apps: a fresh RSA key in the PKCS#1 PEM form GitHub hands out.
 */
import { generateKeyPairSync } from "node:crypto";

/** A new 2048-bit RSA private key, PEM ("-----BEGIN RSA PRIVATE KEY-----"). */
export function githubAppKey(): string {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
}
