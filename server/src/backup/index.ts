/**
 * Backup and restore (docs/operations.md#backup-and-restore): a consistent, version-stamped
 * archive of the database without its derived data (backup-writer.ts), read back in order
 * (backup-reader.ts) and loaded into an empty instance (backup-loader.ts), optionally
 * encrypted with a passphrase (backup-archive.ts). The commands are in commands/backup.command.ts.
 */
export {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupKeys,
  type BackupManifest,
  type BackupSecrets,
  type InstanceBackup,
  instanceBackup,
  signingMaterial,
  verificationMaterials,
} from "./backup-archive.js";
export { loadBackup, RestoreRefused, type RestoreReport } from "./backup-loader.js";
export { openBackup, type OpenedBackup } from "./backup-reader.js";
export { backupTables, EXCLUDED_TABLES } from "./backup-tables.js";
export { type BackupReport, writeBackup } from "./backup-writer.js";
export { type BackupSchedule, startBackupSchedule } from "./backup-schedule.js";
