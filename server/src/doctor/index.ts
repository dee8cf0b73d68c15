/**
 * `ctxpipe doctor` (docs/operations.md#production-readiness-checklist): the deployment checked
 * against the checklist, item by item, with the fix for each that is not ok.
 */
export { type DoctorCheck, type DoctorInput, runDoctor } from "./doctor.js";
