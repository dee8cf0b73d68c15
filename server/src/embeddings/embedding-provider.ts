/**
 * Calls to the embedding model through the AI SDK (`embedMany`, `embed`): texts in groups of
 * the configured batch size, retried with the SDK's exponential backoff, every answer checked
 * (one vector per text, each of the configured length) before anything is stored. Provider
 * failures become short sentences for notes: a status code or a timeout, never the URL, the
 * key or the provider's body.
 */
import { APICallError, embed, embedMany, type EmbeddingModel, RetryError } from "ai";
import type { EmbeddingConfig } from "../platform/config/config.js";
import { AppError } from "../platform/errors.js";

/** Deadline of one provider request during a run (a batch of texts). */
const RUN_REQUEST_TIMEOUT_MS = 120_000;

/** The vectors of some texts and the tokens the provider counted (estimated when it did not say). */
export interface EmbeddedTexts {
  vectors: number[][];
  tokens: number;
}

/** A provider answer of the wrong shape: terminal, since retrying cannot change the model. */
export function dimensionsMismatch(got: number, expected: number): AppError {
  return new AppError(
    "embedding_dimensions_mismatch",
    400,
    `The embedding model answered vectors of ${got} dimensions, but MODEL_EMBEDDING_DIMENSIONS is ${expected}. Nothing was stored; set MODEL_EMBEDDING_DIMENSIONS to the model's length (or a length it can shorten to).`,
    { expose: true },
  );
}

/** Estimated tokens of a text: code averages 3 to 4 bytes a token; 3 keeps estimates on the high side. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 3);
}

/**
 * Embeds texts for an embedding run: groups of `config.batchSize`, each request retried by the
 * SDK `config.requestRetries` times with exponential backoff. Checks every answer before returning any vector.
 * @throws AppError embedding_dimensions_mismatch (400, terminal) when the model answers another length.
 * @throws the SDK's error when the provider fails after its retries (the job retries later).
 */
export async function embedTexts(model: EmbeddingModel, config: EmbeddingConfig, texts: string[], signal?: AbortSignal): Promise<EmbeddedTexts> {
  const vectors: number[][] = [];
  let tokens = 0;
  for (let start = 0; start < texts.length; start += config.batchSize) {
    const values = texts.slice(start, start + config.batchSize);
    const timeout = AbortSignal.timeout(RUN_REQUEST_TIMEOUT_MS);
    const result = await embedMany({
      model,
      values,
      dimensions: config.sendDimensions ? config.dimensions : undefined,
      maxRetries: config.requestRetries,
      maxParallelCalls: 1,
      abortSignal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (result.embeddings.length !== values.length) {
      throw new AppError("embedding_answer_invalid", 502, `The embedding model answered ${result.embeddings.length} vectors for ${values.length} texts.`);
    }
    for (const vector of result.embeddings) {
      if (vector.length !== config.dimensions) throw dimensionsMismatch(vector.length, config.dimensions);
    }
    vectors.push(...result.embeddings);
    tokens += result.usage.tokens > 0 ? result.usage.tokens : values.reduce((sum, v) => sum + estimateTokens(v.length), 0);
  }
  return { vectors, tokens };
}

/**
 * Embeds one question: a single request, no retry, within `timeoutMs` (and `signal`).
 * @throws the SDK's error, a timeout, or embedding_dimensions_mismatch.
 */
export async function embedQuestion(model: EmbeddingModel, config: EmbeddingConfig, question: string, signal?: AbortSignal): Promise<number[]> {
  const timeout = AbortSignal.timeout(config.queryTimeoutMs);
  const { embedding } = await embed({
    model,
    value: question,
    dimensions: config.sendDimensions ? config.dimensions : undefined,
    maxRetries: 0,
    abortSignal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  });
  if (embedding.length !== config.dimensions) throw dimensionsMismatch(embedding.length, config.dimensions);
  return embedding;
}

/** What went wrong with the provider, in words an operator can act on (no URL, key or body). */
export function describeProviderError(err: unknown): string {
  const cause = RetryError.isInstance(err) ? err.lastError : err;
  if (cause instanceof AppError) return cause.message;
  if (APICallError.isInstance(cause)) {
    if (cause.statusCode === 401 || cause.statusCode === 403) return "the embedding provider refused the API key";
    if (cause.statusCode === 429) return "the embedding provider is rate-limiting requests";
    if (cause.statusCode !== undefined) return `the embedding provider answered HTTP ${cause.statusCode}`;
    return "the embedding provider is unreachable";
  }
  const name = (cause as Error | undefined)?.name;
  if (name === "TimeoutError" || name === "AbortError") return "the embedding provider did not answer in time";
  return "the embedding provider could not be used";
}
