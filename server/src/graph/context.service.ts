/**
 * What the organisation knows about a topic, a repository or a path, in one bounded answer:
 * the packages and services around it (with their dependencies and dependents), the APIs they
 * serve, owners, decisions and the instructions that apply. Used by the `get_context` MCP tool
 * and the REST route of the same name.
 */
import type { Database } from "../platform/db/database.js";
import type { Queryable, TenantScope } from "../platform/db/tenant.js";
import { type Evidence, evidenceOf, EFFECTIVE_KIND_SQL, FACT_COLUMNS, FACT_REPOSITORY_JOIN, type FactRow, readGraph, repositoryRef } from "./graph-read.js";
import { type AppliedInstruction, appliedInstruction, instructionsFor, type OwnersOfPath, ownersOfPath } from "./instructions.service.js";

/** One item of context: a node or a rule, with its evidence. */
export interface ContextItem {
  key: string;
  kind: string;
  name: string;
  /** A short line of what it is (version, status, what it decides, counts). */
  detail: string;
  evidence: Evidence;
}

/** The answer. */
export interface OrgContext {
  packages: ContextItem[];
  apis: ContextItem[];
  runtime: ContextItem[];
  decisions: ContextItem[];
  instructions: AppliedInstruction[];
  owners: OwnersOfPath | null;
  /** Dependencies (out) and dependents (in) of the packages found, by name. */
  relations: { from: string; predicate: string; to: string; evidence: Evidence }[];
}

/** Items per section. */
const PER_SECTION = 15;

function detailOf(kind: string, props: Record<string, unknown>): string {
  const parts: string[] = [];
  const add = (label: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== "") parts.push(`${label}${String(value)}`);
  };
  if (kind === "decision") {
    add("status: ", props.status);
    add("date: ", props.date);
    add("", props.decides);
  } else if (kind === "api") {
    add("", props.spec);
    add("operations: ", props.operations);
  } else {
    add("", props.ecosystem);
    add("v", props.version);
    add("in ", props.path ?? props.builds);
    add("", props.evidence);
    add("image ", props.image);
    add("ports ", Array.isArray(props.ports) ? props.ports.join(",") : undefined);
  }
  return parts.join("; ").slice(0, 400);
}

/** Instructions whose text mentions `topic` (in one repository or all), in file order. */
async function instructionsAbout(tx: Queryable, topic: string, repositoryId: string | undefined): Promise<AppliedInstruction[]> {
  const { rows } = await tx.query<FactRow>(
    `select ${FACT_COLUMNS} from graph_facts f ${FACT_REPOSITORY_JOIN}
     where f.predicate = 'is' and f.object = 'instruction' and ($2::uuid is null or f.repository_id = $2)
       and lower(f.props ->> 'text') like '%' || $1 || '%'
     order by r.name, f.source_path, f.line limit $3`,
    [
      topic
        .trim()
        .toLowerCase()
        .replace(/[\\%_]/g, "\\$&"),
      repositoryId ?? null,
      PER_SECTION,
    ],
  );
  return rows.map((r) => appliedInstruction(r, null));
}

/** Context for a topic (a word or name), a repository, or a path in a repository. */
export async function contextFor(db: Database, scope: TenantScope, input: { topic?: string; repository?: string; path?: string }): Promise<OrgContext> {
  const result = await readGraph(db, scope, async (tx) => {
    const repo = input.repository ? await repositoryRef(tx, input.repository) : undefined;
    const path = input.path?.replace(/^\/+/, "") ?? "";
    const topic = input.topic?.trim().toLowerCase() || null;
    // Declarations in scope: matching the topic, in the repository, and (with a path) the
    // package folders that contain it.
    const { rows } = await tx.query<FactRow & { kind: string }>(
      `select ${FACT_COLUMNS}, ${EFFECTIVE_KIND_SQL} as kind from graph_facts f ${FACT_REPOSITORY_JOIN}
       where f.predicate = 'is' and f.object <> 'instruction'
         and ($1::uuid is null or f.repository_id = $1)
         and ($2::text is null or lower(f.subject || ' ' || coalesce(f.props ->> 'name', '') || ' ' || coalesce(f.props ->> 'decides', '') || ' ' || coalesce(f.props ->> 'description', '')) like '%' || $2 || '%')
         and ($3::text = '' or f.object not in ('package', 'api') or $3 = coalesce(f.props ->> 'folder', f.props ->> 'path')
              or $3 like coalesce(f.props ->> 'folder', f.props ->> 'path') || '/%' or coalesce(f.props ->> 'folder', f.props ->> 'path') = '')
       order by r.name, f.source_path, f.line limit 500`,
      [repo?.id ?? null, topic?.replace(/[\\%_]/g, "\\$&") ?? null, path],
    );
    const item = (r: FactRow & { kind: string }): ContextItem => ({
      key: r.subject,
      kind: r.kind,
      name: typeof r.props.name === "string" ? r.props.name : r.subject,
      detail: detailOf(r.kind === "decision" ? "decision" : r.object, r.props),
      evidence: evidenceOf(r),
    });
    // With a path, the nearest enclosing package first.
    const depthOf = (r: FactRow) => String(r.props.folder ?? r.props.path ?? "").length;
    const packages = rows.filter((r) => r.object === "package").sort((a, b) => (path ? depthOf(b) - depthOf(a) : 0));
    const runtime = rows.filter((r) => ["service", "container", "datastore", "queue", "image"].includes(r.object));
    const out: OrgContext = {
      packages: packages.slice(0, PER_SECTION).map(item),
      apis: rows
        .filter((r) => r.object === "api")
        .slice(0, PER_SECTION)
        .map(item),
      runtime: runtime.slice(0, PER_SECTION).map(item),
      decisions: rows
        .filter((r) => r.object === "decision")
        .slice(0, PER_SECTION)
        .map(item),
      instructions: [],
      owners: repo && path ? await ownersOfPath(tx, repo.id, path) : null,
      relations: [],
    };
    const keys = [...new Set(out.packages.slice(0, 5).map((p) => p.key))];
    if (keys.length > 0) {
      const { rows: edges } = await tx.query<FactRow>(
        `(select ${FACT_COLUMNS} from graph_facts f ${FACT_REPOSITORY_JOIN}
          where f.subject = any($1::text[]) and f.predicate = 'depends_on' and f.props ->> 'scope' = 'runtime' order by f.subject, f.object limit 40)
         union all
         (select ${FACT_COLUMNS} from graph_facts f ${FACT_REPOSITORY_JOIN}
          where f.object = any($1::text[]) and f.predicate in ('depends_on', 'uses') order by f.object, f.subject limit 40)`,
        [keys],
      );
      out.relations = edges.map((e) => ({ from: e.subject, predicate: e.predicate, to: e.object, evidence: evidenceOf(e) }));
    }
    return { out, repo, path };
  });
  if (input.topic && !result.path) {
    result.out.instructions = await readGraph(db, scope, (tx) => instructionsAbout(tx, input.topic!, result.repo?.id));
  }
  if (result.repo && result.path) {
    const applied = await instructionsFor(db, scope, { repository: result.repo.id, path: result.path, limit: PER_SECTION });
    result.out.instructions = applied.instructions;
  }
  return result.out;
}
