/**
 * OpenTelemetry for the process (docs/operations.md#telemetry), with the official SDK: traces
 * exported over OTLP/HTTP when an endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, headers from OTEL_EXPORTER_OTLP_HEADERS, the service
 * name from OTEL_SERVICE_NAME), and metrics served for Prometheus on a private port
 * (CTXPIPE_METRICS_PORT), never on the public origin. Both are off when unset: the API's
 * no-op tracer and meter then cost next to nothing. One setup per process, shared by every
 * role it runs; spans are made by our own code (HTTP, SQL, git, jobs, MCP tools: see spans.ts).
 * The SDK's packages (about 200 modules) are imported only when one of the two is configured:
 * every process that runs without telemetry, `ctxpipe` commands and test processes included,
 * starts without them.
 */
import { context, metrics, propagation, trace } from "@opentelemetry/api";
import type { Sampler, TracerProvider } from "@opentelemetry/sdk-trace";
import type { MeterProvider } from "@opentelemetry/sdk-metrics";
import type { Logger } from "../logging.js";
import { VERSION } from "../version.js";
import { resetInstruments } from "./spans.js";

/** The telemetry configuration (config.ts reads it from the environment). */
export interface TelemetryConfig {
  /** Where spans go (…/v1/traces); undefined: no trace export. */
  tracesUrl: string | undefined;
  /** Headers of the OTLP requests (credentials: never logged). */
  headers: Record<string, string>;
  serviceName: string;
  /** Delay between span batches, in ms (OTEL_BSP_SCHEDULE_DELAY). */
  batchDelayMs: number;
  /** Which traces are recorded (OTEL_TRACES_SAMPLER, the specification's names) and the ratio of the ratio samplers. */
  sampler: "always_on" | "always_off" | "traceidratio" | "parentbased_always_on" | "parentbased_always_off" | "parentbased_traceidratio";
  samplerRatio: number;
  /** Port of the Prometheus endpoint; undefined: none. */
  metricsPort: number | undefined;
  metricsHost: string;
}

/** The process's telemetry. */
export interface Telemetry {
  /** Whether spans are exported. */
  tracing: boolean;
  /** The Prometheus endpoint's URL, if one is served. */
  metricsUrl: string | undefined;
  /** True for the handle that started the telemetry (later callers in the process share it). */
  first: boolean;
  /** Exports what is buffered, then stops. */
  shutdown(): Promise<void>;
}

let started: { telemetry: Telemetry; users: number } | undefined;

/** The SDK's parts telemetry uses, imported when it is first configured. */
async function loadSdk() {
  const [asyncHooks, core, otlp, prometheus, resources, sdkMetrics, sdkTrace] = await Promise.all([
    import("@opentelemetry/context-async-hooks"),
    import("@opentelemetry/core"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/exporter-prometheus"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/sdk-metrics"),
    import("@opentelemetry/sdk-trace"),
  ]);
  return { ...asyncHooks, ...core, ...otlp, ...prometheus, ...resources, ...sdkMetrics, ...sdkTrace };
}

/** The sampler OTEL_TRACES_SAMPLER names; the parent-based ones follow an incoming traceparent's decision. */
function samplerOf(config: TelemetryConfig, sdk: Awaited<ReturnType<typeof loadSdk>>): Sampler {
  const root = config.sampler.endsWith("always_on")
    ? new sdk.AlwaysOnSampler()
    : config.sampler.endsWith("always_off")
      ? new sdk.AlwaysOffSampler()
      : new sdk.TraceIdRatioBasedSampler(config.samplerRatio);
  return config.sampler.startsWith("parentbased_") ? new sdk.ParentBasedSampler({ root }) : root;
}

/**
 * Starts telemetry once per process (later calls share it; the last `shutdown` stops it).
 * @throws Error when the metrics port cannot be bound.
 */
export async function startTelemetry(config: TelemetryConfig, logger: Logger): Promise<Telemetry> {
  if (started) {
    started.users++;
    return share(started.telemetry, false);
  }
  // Instruments made before (against the no-op meter) are made again against this provider.
  const enabled = Boolean(config.tracesUrl) || config.metricsPort !== undefined;
  resetInstruments(enabled);
  const sdk = enabled ? await loadSdk() : undefined;
  const resource = sdk?.resourceFromAttributes({ "service.name": config.serviceName, "service.version": VERSION });
  let tracerProvider: TracerProvider | undefined;
  if (sdk && config.tracesUrl) {
    context.setGlobalContextManager(new sdk.AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new sdk.CompositePropagator({ propagators: [new sdk.W3CTraceContextPropagator(), new sdk.W3CBaggagePropagator()] }));
    tracerProvider = new sdk.TracerProvider({
      resource,
      sampler: samplerOf(config, sdk),
      spanProcessors: [
        new sdk.BatchSpanProcessor({
          exporter: new sdk.OTLPTraceExporter({ url: config.tracesUrl, headers: config.headers }),
          scheduledDelayMillis: config.batchDelayMs,
        }),
      ],
    });
    trace.setGlobalTracerProvider(tracerProvider);
  }
  let meterProvider: MeterProvider | undefined;
  let metricsUrl: string | undefined;
  if (sdk && config.metricsPort !== undefined) {
    const exporter = new sdk.PrometheusExporter({ host: config.metricsHost, port: config.metricsPort, preventServerStart: true });
    await exporter.startServer().catch((err: unknown) => {
      throw new Error(`Cannot serve metrics on ${config.metricsHost}:${config.metricsPort} (CTXPIPE_METRICS_PORT): ${(err as Error).message}`);
    });
    meterProvider = new sdk.MeterProvider({ resource, readers: [exporter] });
    metrics.setGlobalMeterProvider(meterProvider);
    metricsUrl = `http://${config.metricsHost}:${config.metricsPort}/metrics`;
  }
  if (tracerProvider || meterProvider) {
    logger.info({ tracing: Boolean(tracerProvider), metrics: metricsUrl ?? null, serviceName: config.serviceName }, "telemetry started");
  }
  const telemetry: Telemetry = {
    tracing: Boolean(tracerProvider),
    metricsUrl,
    first: true,
    async shutdown() {
      await Promise.all([tracerProvider?.shutdown(), meterProvider?.shutdown()]);
      trace.disable();
      metrics.disable();
      resetInstruments();
      context.disable();
      propagation.disable();
    },
  };
  started = { telemetry, users: 1 };
  return share(telemetry, true);
}

/** A handle whose shutdown stops the telemetry when the last user lets go. */
function share(telemetry: Telemetry, first: boolean): Telemetry {
  let released = false;
  return {
    tracing: telemetry.tracing,
    metricsUrl: telemetry.metricsUrl,
    first,
    async shutdown() {
      if (released || !started) return;
      released = true;
      started.users--;
      if (started.users === 0) {
        started = undefined;
        await telemetry.shutdown();
      }
    },
  };
}
