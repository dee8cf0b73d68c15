/**
 * Whether the configured model provider answers, for /.status: one `GET …/models` with the
 * key (OpenAI-compatible, Azure, OpenRouter and Anthropic all list their models there), the
 * outcome turned into a sentence an operator can act on. Never the URL, never the key.
 */
import type { ModelConfig } from "../platform/config/config.js";

/** What /.status says about the model. */
export interface ModelStatus {
  configured: boolean;
  provider?: ModelConfig["provider"];
  models?: ModelConfig["names"];
  /** Undefined before the first probe, and for providers that cannot be probed cheaply. */
  reachable?: boolean;
  message?: string;
  /** When the provider was last asked. */
  checkedAt?: string;
}

/** The deadline of one probe. */
const PROBE_TIMEOUT_MS = 5_000;

/** The models-list URL of a provider. */
function modelsUrl(config: ModelConfig): string | undefined {
  switch (config.provider) {
    case "anthropic":
      return `${config.url ?? "https://api.anthropic.com/v1"}/models`;
    case "openrouter":
      return `${config.url ?? "https://openrouter.ai/api/v1"}/models`;
    case "bedrock":
      return undefined;
    default:
      return `${config.url}/models`;
  }
}

/** Asks the provider for its models; answers the status (reachable, and what is wrong if not). */
export async function probeModelProvider(
  config: ModelConfig,
  fetchImpl: typeof fetch = fetch,
): Promise<Omit<ModelStatus, "configured" | "provider" | "models">> {
  const url = modelsUrl(config);
  const checkedAt = new Date().toISOString();
  if (!url) return { checkedAt, message: "this provider is not probed; the first request will tell" };
  const headers: Record<string, string> = {};
  if (config.apiKey) {
    if (config.provider === "anthropic") {
      headers["x-api-key"] = config.apiKey;
      headers["anthropic-version"] = "2023-06-01";
    } else if (config.provider === "azure") headers["api-key"] = config.apiKey;
    else headers.authorization = `Bearer ${config.apiKey}`;
  }
  let res: Response;
  try {
    res = await fetchImpl(url, { headers, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), redirect: "error" });
  } catch (err) {
    const timeout = (err as Error).name === "TimeoutError";
    return { checkedAt, reachable: false, message: timeout ? "the model provider did not answer in time" : "the model provider is unreachable" };
  }
  if (res.status === 401 || res.status === 403)
    return { checkedAt, reachable: false, message: "the model provider refused the API key (MODEL_PROVIDER_API_KEY)" };
  if (res.status === 429) return { checkedAt, reachable: true, message: "the model provider is rate-limiting requests" };
  if (res.status >= 500) return { checkedAt, reachable: false, message: `the model provider answered with an error (HTTP ${res.status})` };
  if (!res.ok) return { checkedAt, reachable: true, message: `the model provider has no model list here (HTTP ${res.status}); check MODEL_PROVIDER_URL` };
  const body = (await res.json().catch(() => undefined)) as { data?: { id?: unknown }[] } | undefined;
  const ids = new Set((body?.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === "string"));
  if (ids.size === 0) return { checkedAt, reachable: true };
  const unknown = [...new Set(Object.values(config.names))].filter((name) => !ids.has(name));
  return unknown.length > 0
    ? {
        checkedAt,
        reachable: true,
        message: `the model provider does not list ${unknown.join(", ")}; check MODEL_FAST_NAME, MODEL_MEDIUM_NAME and MODEL_HIGH_NAME`,
      }
    : { checkedAt, reachable: true };
}
