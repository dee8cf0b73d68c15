/**
 * The secrets capability: per-organisation secrets encrypted at rest (org_secrets), for
 * connectors that must keep credentials (repository tokens, GitHub App keys), and the
 * cross-tenant key rotation behind `ctxpipe secrets rotate`. See README.md.
 */
export {
  deleteSecret,
  MAX_SECRET_BYTES,
  readSecret,
  replaceSecret,
  checkAllSecrets,
  rotateAllSecrets,
  storeSecret,
  type RotationResult,
  type SecretInput,
} from "./secret.service.js";
