/**
 * What the organisation knows about a topic, a repository or a path, in one bounded answer:
 * the packages and services around it (with their dependencies and dependents), the APIs they
 * serve, owners, decisions and the instructions that apply. Used by the `get_context` MCP tool
 * and the REST route of the same name.
 *
 * A topic is read as words (topic-terms.ts): a candidate matches when its text contains the
 * whole topic (as before words were ranked) or any of its words, and is ranked by how many of
 * the words it matches, weighted by where (its name, then its kind and detail, then its path),
 * then in file order.
 */
import type { Database } from "../platform/db/database.js";
import type { Queryable, TenantScope } from "../platform/db/tenant.js";
import {
  type Evidence,
  evidenceOf,
  EFFECTIVE_KIND_SQL,
  FACT_COLUMNS,
  FACT_REPOSITORY_JOIN,
  type FactRow,
  nameOfKey,
  readGraph,
  repositoryRef,
} from "./graph-read.js";
import { type AppliedInstruction, appliedInstruction, instructionsFor, type OwnersOfPath, ownersOfPath } from "./instructions.service.js";
import { flatTerms, scoreTopic, textTokens, type TopicWord, topicTerms } from "./topic-terms.js";

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

/** Weights of where a topic's word is found. */
const NAME_WEIGHT = 3;
const DETAIL_WEIGHT = 2;
const PATH_WEIGHT = 1;
/** Most candidates read before ranking. */
const MAX_CANDIDATES = 500;
/** Most instruction candidates read before ranking. */
const MAX_INSTRUCTION_CANDIDATES = 200;

/** A topic as SQL parameters: the whole topic as a LIKE pattern, and each term as one. */
function topicPatterns(topic: string, words: TopicWord[]): { phrase: string; terms: string[] } {
  const like = (text: string) => `%${text.replace(/[\\%_]/g, "\\$&")}%`;
  return { phrase: like(topic.trim().toLowerCase()), terms: flatTerms(words).map(like) };
}

/**
 * Ranks rows by a topic: rows containing the whole topic first, then by the words matched and
 * where, ties in their given order. Rows that match nothing are dropped.
 */
function rankByTopic<T>(rows: T[], words: TopicWord[], fieldsOf: (row: T) => { name: string; detail: string; path: string; phrase: boolean }): T[] {
  return rows
    .map((row, order) => {
      const f = fieldsOf(row);
      const score = scoreTopic(words, [
        { tokens: textTokens(f.name), weight: NAME_WEIGHT },
        { tokens: textTokens(f.detail), weight: DETAIL_WEIGHT },
        { tokens: textTokens(f.path), weight: PATH_WEIGHT },
      ]);
      return { row, order, phrase: f.phrase, ...score };
    })
    .filter((r) => r.phrase || r.matched > 0)
    .sort((a, b) => Number(b.phrase) - Number(a.phrase) || b.matched - a.matched || b.weight - a.weight || a.order - b.order)
    .map((r) => r.row);
}

/** Instructions about `topic` (in one repository or all), the best matched first, then in file order. */
async function instructionsAbout(tx: Queryable, topic: string, repositoryId: string | undefined): Promise<AppliedInstruction[]> {
  const words = topicTerms(topic);
  const { phrase, terms } = topicPatterns(topic, words);
  const { rows } = await tx.query<FactRow & { phrase: boolean }>(
    `select c.*, c.text_lower like $1 as phrase from (
       select ${FACT_COLUMNS}, lower(f.props ->> 'text') as text_lower,
         lower(coalesce(f.props ->> 'section', '') || ' ' || coalesce(f.props ->> 'text', '') || ' ' || coalesce(f.props ->> 'description', '') || ' ' || f.source_path) as all_lower
       from graph_facts f ${FACT_REPOSITORY_JOIN}
       where f.predicate = 'is' and f.object = 'instruction' and ($3::uuid is null or f.repository_id = $3)
     ) c
     where c.text_lower like $1 or c.all_lower like any($2::text[])
     order by c.text_lower like $1 desc, (select count(*) from unnest($2::text[]) t where c.all_lower like t) desc, c.repository_name, c.source_path, c.line
     limit $4`,
    [phrase, terms, repositoryId ?? null, MAX_INSTRUCTION_CANDIDATES],
  );
  const ranked = rankByTopic(rows, words, (r) => ({
    name: String(r.props.section ?? ""),
    detail: `${String(r.props.text ?? "")} ${String(r.props.description ?? "")}`,
    path: r.source_path,
    phrase: r.phrase,
  }));
  return ranked.slice(0, PER_SECTION).map((r) => appliedInstruction(r, null));
}

/** Context for a topic (a name, a word or several), a repository, or a path in a repository. */
export async function contextFor(db: Database, scope: TenantScope, input: { topic?: string; repository?: string; path?: string }): Promise<OrgContext> {
  const result = await readGraph(db, scope, async (tx) => {
    const repo = input.repository ? await repositoryRef(tx, input.repository) : undefined;
    const path = input.path?.replace(/^\/+/, "") ?? "";
    const topic = input.topic?.trim() || null;
    const words = topic ? topicTerms(topic) : [];
    const patterns = topic ? topicPatterns(topic, words) : null;
    // Declarations in scope: matching the topic (the whole of it, or any of its words), in the
    // repository, and (with a path) the package folders that contain it. With a topic, the
    // candidates matching more words come first so the bound keeps the best.
    const { rows: candidates } = await tx.query<FactRow & { kind: string; phrase: boolean }>(
      `select f.subject, f.predicate, f.object, f.props, f.repository_id, f.repository_name, f.indexed_commit, f.source_path, f.line, f.phrase,
         ${EFFECTIVE_KIND_SQL} as kind
       from (
         select c.*, row_number() over (
             order by c.phrase desc, (select count(*) from unnest($4::text[]) t where c.all_lower like t) desc, c.repository_name, c.source_path, c.line
           ) as ord
         from (
           select ${FACT_COLUMNS},
             coalesce(lower(f.subject || ' ' || coalesce(f.props ->> 'name', '') || ' ' || coalesce(f.props ->> 'decides', '') || ' ' || coalesce(f.props ->> 'description', '')) like $2, false) as phrase,
             lower(f.subject || ' ' || f.object || ' ' || f.source_path || ' ' || f.props::text) as all_lower
           from graph_facts f ${FACT_REPOSITORY_JOIN}
           where f.predicate = 'is' and f.object <> 'instruction'
             and ($1::uuid is null or f.repository_id = $1)
             and ($3::text = '' or f.object not in ('package', 'api') or $3 = coalesce(f.props ->> 'folder', f.props ->> 'path')
                  or $3 like coalesce(f.props ->> 'folder', f.props ->> 'path') || '/%' or coalesce(f.props ->> 'folder', f.props ->> 'path') = '')
         ) c
         where $2::text is null or c.phrase or c.all_lower like any($4::text[])
         order by ord limit ${MAX_CANDIDATES}
       ) f order by f.ord`,
      [repo?.id ?? null, patterns?.phrase ?? null, path, patterns?.terms ?? []],
    );
    const rows = topic
      ? rankByTopic(candidates, words, (r) => ({
          name: typeof r.props.name === "string" ? r.props.name : nameOfKey(r.subject),
          detail: `${r.kind} ${r.object} ${detailOf(r.kind === "decision" ? "decision" : r.object, r.props)} ${String(r.props.description ?? "")}`,
          path: `${r.source_path} ${String(r.props.folder ?? r.props.path ?? r.props.builds ?? "")}`,
          phrase: r.phrase,
        }))
      : candidates;
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
  if (input.topic?.trim() && !result.path) {
    result.out.instructions = await readGraph(db, scope, (tx) => instructionsAbout(tx, input.topic!, result.repo?.id));
  }
  if (result.repo && result.path) {
    const applied = await instructionsFor(db, scope, { repository: result.repo.id, path: result.path, limit: PER_SECTION });
    result.out.instructions = applied.instructions;
  }
  return result.out;
}
