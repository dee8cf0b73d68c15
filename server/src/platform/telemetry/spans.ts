/**
 * The spans and metrics ctxpipe's own code records (through the OpenTelemetry API: no-ops
 * until telemetry.ts installs a provider). Spans: one per HTTP request (server kind, joined
 * to the caller's `traceparent`), and inside it or a job: SQL statements, git processes and
 * MCP tool calls; one per job run. Metrics: the names in METRIC_NAMES, documented in
 * docs/operations.md#telemetry. Nothing secret goes into an attribute: SQL text (parameters
 * are never recorded), git's sub-command, route templates, tool and job names.
 */
import { type Attributes, context, type Span, SpanKind, SpanStatusCode, metrics, propagation, trace } from "@opentelemetry/api";
import { createMiddleware } from "hono/factory";
import { VERSION } from "../version.js";

/** The metric names (Prometheus spelling). */
export const METRIC_NAMES = {
  httpDuration: "ctxpipe_http_server_duration_seconds",
  httpErrors: "ctxpipe_http_server_errors_total",
  searchDuration: "ctxpipe_search_duration_seconds",
  jobDuration: "ctxpipe_job_duration_seconds",
  queueDepth: "ctxpipe_job_queue_depth",
  queueAge: "ctxpipe_job_queue_oldest_age_seconds",
  indexLagRepositories: "ctxpipe_index_lag_repositories",
  indexLagSeconds: "ctxpipe_index_lag_seconds",
} as const;

const tracer = () => trace.getTracer("ctxpipe", VERSION);
const meter = () => metrics.getMeter("ctxpipe", VERSION);

/** Instruments, made on first use (after telemetry has installed its meter provider). */
let instruments:
  | {
      httpDuration: ReturnType<ReturnType<typeof meter>["createHistogram"]>;
      httpErrors: ReturnType<ReturnType<typeof meter>["createCounter"]>;
      searchDuration: ReturnType<ReturnType<typeof meter>["createHistogram"]>;
      jobDuration: ReturnType<ReturnType<typeof meter>["createHistogram"]>;
    }
  | undefined;
function instrumentsOf() {
  instruments ??= {
    httpDuration: meter().createHistogram(METRIC_NAMES.httpDuration, { description: "HTTP requests by method, route and status", unit: "s" }),
    // Prometheus appends _total to a counter's name.
    httpErrors: meter().createCounter(METRIC_NAMES.httpErrors.replace(/_total$/, ""), { description: "HTTP responses with status 500 or above, by route" }),
    searchDuration: meter().createHistogram(METRIC_NAMES.searchDuration, { description: "Code searches, by whether they were cut short", unit: "s" }),
    jobDuration: meter().createHistogram(METRIC_NAMES.jobDuration, { description: "Job runs by job name and outcome", unit: "s" }),
  };
  // A counter shows from the first scrape, before any error.
  instruments.httpErrors.add(0);
  return instruments;
}

/** Whether the process exports traces or serves metrics (telemetry.ts sets it); off, requests skip the span and metric work. */
let active = false;

/**
 * Forgets the instruments (telemetry restarted in the same process, as in tests) and records
 * whether telemetry is now on.
 */
export function resetInstruments(on = false): void {
  instruments = undefined;
  active = on;
}

/** Runs `fn` in a new active span; an exception marks it failed and is rethrown. */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  return tracer().startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).name });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Like inSpan, but only inside a span (SQL and git outside a request or job would be noise). */
export function inChildSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>, kind: SpanKind = SpanKind.CLIENT): Promise<T> {
  if (!trace.getActiveSpan()) return fn();
  return inSpan(name, attributes, fn, kind);
}

/** The trace and span ids of the active span, for log lines; empty outside one. */
export function traceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return traceFlags ? { trace_id: traceId, span_id: spanId } : {};
}

/** Hono middleware: one server span per request (named `METHOD /route/:template`) and its metrics. */
export function httpTelemetry() {
  return createMiddleware(async (c, next) => {
    if (!active) return next();
    const parent = propagation.extract(context.active(), Object.fromEntries(c.req.raw.headers));
    const started = performance.now();
    await context.with(parent, () =>
      tracer().startActiveSpan(`${c.req.method}`, { kind: SpanKind.SERVER, attributes: { "http.request.method": c.req.method } }, async (span) => {
        try {
          await next();
        } finally {
          // The route that matched (the API's, before the web app's catch-all), as a template.
          const handlers = c.req.matchedRoutes.filter((r) => r.method !== "ALL");
          const route = handlers.find((r) => r.path !== "/*")?.path ?? handlers[0]?.path ?? "unmatched";
          const status = c.res.status;
          span.updateName(`${c.req.method} ${route}`);
          span.setAttributes({ "http.route": route, "http.response.status_code": status });
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
          const attributes = { method: c.req.method, route, status_code: status };
          instrumentsOf().httpDuration.record((performance.now() - started) / 1000, attributes);
          if (status >= 500) instrumentsOf().httpErrors.add(1, { method: c.req.method, route });
        }
      }),
    );
  });
}

/** Records one search's duration. */
export function recordSearch(seconds: number, partial: boolean): void {
  instrumentsOf().searchDuration.record(seconds, { partial });
}

/** Records one job run's duration. */
export function recordJob(name: string, seconds: number, outcome: "completed" | "failed"): void {
  instrumentsOf().jobDuration.record(seconds, { job: name, outcome });
}

/**
 * Registers gauges read at each scrape: `read` answers their values (one per attribute set).
 * Failures of `read` leave the gauges out of that scrape.
 */
export function observeGauges(
  names: string[],
  describe: Record<string, string>,
  read: () => Promise<Record<string, { value: number; attributes?: Attributes }[]>>,
): void {
  const gauges = names.map((name) => meter().createObservableGauge(name, { description: describe[name] }));
  meter().addBatchObservableCallback(async (result) => {
    let values: Record<string, { value: number; attributes?: Attributes }[]>;
    try {
      values = await read();
    } catch {
      return;
    }
    names.forEach((name, i) => {
      for (const v of values[name] ?? []) result.observe(gauges[i]!, v.value, v.attributes);
    });
  }, gauges);
}
