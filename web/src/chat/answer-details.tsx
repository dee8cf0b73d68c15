/**
 * What an answer rests on, under it: its checked citations (verified ones link to the file
 * view), the sources the tools returned, and the tool calls the agent made, each list folded
 * away until opened.
 */
import { Link } from "@tanstack/react-router";
import { CitationLink, type Citation } from "./markdown";

/** A tool call, as stored with the answer. */
export interface ToolCall {
  name: string;
  input: unknown;
  ok: boolean;
}

/** A tool call's input in one short line. */
export function describeInput(input: unknown): string {
  if (!input || typeof input !== "object") return "";
  const text = Object.entries(input as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** The list of tool calls. */
export function ToolCalls({ calls }: { calls: ToolCall[] }) {
  return (
    <ol className="space-y-0.5 font-mono text-xs" aria-label="Tool calls">
      {calls.map((call, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a call has no identity but its place
        <li key={i}>
          {call.ok ? "" : "✗ "}
          {call.name}
          <span className="text-soft"> {describeInput(call.input)}</span>
        </li>
      ))}
    </ol>
  );
}

/** A source citation (`repo@commit:path:line`) as a link to the file view at its line. */
function SourceLink({ source, orgSlug }: { source: string; orgSlug: string }) {
  const m = /^(.+?)@[0-9a-f]{7,40}:(.+):(\d+)(?:-(\d+))?$/.exec(source);
  if (!m) return <span className="font-mono">{source}</span>;
  return (
    <Link to="/$orgSlug/files/$repository/$" params={{ orgSlug, repository: m[1]!, _splat: m[2]! }} hash={`L${m[3]}`} className="font-mono break-all">
      {source}
    </Link>
  );
}

/** The details under an answer. */
export function AnswerDetails({
  orgSlug,
  answer,
}: {
  orgSlug: string;
  answer: { citations: Citation[]; sources: string[]; toolCalls: ToolCall[]; steps: number };
}) {
  const unverified = answer.citations.filter((c) => !c.verified).length;
  return (
    <div className="mt-2 space-y-1 text-sm">
      {answer.citations.length > 0 && (
        <details>
          <summary className="cursor-pointer text-soft">
            {answer.citations.length} citation{answer.citations.length === 1 ? "" : "s"} checked
            {unverified > 0 ? `, ${unverified} unverified` : ", all verified"}
          </summary>
          <ul className="mt-1 space-y-0.5 pl-4">
            {answer.citations.map((c) => (
              <li key={c.citation}>
                <CitationLink citation={c} orgSlug={orgSlug} />
              </li>
            ))}
          </ul>
        </details>
      )}
      {answer.sources.length > 0 && (
        <details>
          <summary className="cursor-pointer text-soft">
            {answer.sources.length} source{answer.sources.length === 1 ? "" : "s"} the tools returned
          </summary>
          <ul className="mt-1 space-y-0.5 pl-4 text-xs">
            {answer.sources.map((s) => (
              <li key={s}>
                <SourceLink source={s} orgSlug={orgSlug} />
              </li>
            ))}
          </ul>
        </details>
      )}
      {answer.toolCalls.length > 0 && (
        <details>
          <summary className="cursor-pointer text-soft">
            {answer.toolCalls.length} tool call{answer.toolCalls.length === 1 ? "" : "s"} in {answer.steps} step{answer.steps === 1 ? "" : "s"}
          </summary>
          <div className="mt-1 pl-4">
            <ToolCalls calls={answer.toolCalls} />
          </div>
        </details>
      )}
    </div>
  );
}
