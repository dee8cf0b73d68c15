/**
 * Telemetry (docs/operations.md#telemetry): the process's OpenTelemetry setup (telemetry.ts)
 * and the spans and metrics ctxpipe records (spans.ts).
 */
export { type Telemetry, type TelemetryConfig, startTelemetry } from "./telemetry.js";
export { httpTelemetry, inChildSpan, inSpan, METRIC_NAMES, observeGauges, recordJob, recordSearch, traceIds } from "./spans.js";
