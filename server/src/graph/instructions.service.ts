/**
 * What applies where an agent is editing: the instructions whose scope covers a path (most
 * specific first: globs naming more folders, then deeper folders, then repository-wide rules)
 * and the path's owners under the repository's CODEOWNERS (the last matching rule wins).
 */
import type { Database } from "../platform/db/database.js";
import type { Queryable, TenantScope } from "../platform/db/tenant.js";
import { CODEOWNERS_PATHS } from "./extractors/index.js";
import { type Evidence, evidenceOf, FACT_COLUMNS, FACT_REPOSITORY_JOIN, type FactRow, readGraph, repositoryRef } from "./graph-read.js";
import { globMatches, globSpecificity, ownersOf } from "./path-rules.js";

/** One rule that applies, with why. */
export interface AppliedInstruction {
  text: string;
  strength: string | null;
  source: string;
  section: string | null;
  /** The folder it applies in ("" for the whole repository). */
  scope: string;
  /** How it applies: always in its scope, because a glob matched (which), or when asked for. */
  mode: "always" | "globs" | "requested";
  matchedGlob: string | null;
  description: string | null;
  evidence: Evidence;
}

/** An instruction fact's props, as the extractor writes them. */
interface InstructionProps {
  text: string;
  strength?: string;
  source: string;
  section?: string;
  scope: string;
  mode: AppliedInstruction["mode"];
  globs?: string[];
  description?: string;
}

/** An instruction fact as an applied rule (`matchedGlob`: the glob that matched, if any). */
export function appliedInstruction(row: FactRow, matchedGlob: string | null): AppliedInstruction {
  const p = row.props as unknown as InstructionProps;
  return {
    text: p.text,
    strength: p.strength ?? null,
    source: p.source,
    section: p.section ?? null,
    scope: p.scope,
    mode: p.mode,
    matchedGlob,
    description: p.description ?? null,
    evidence: evidenceOf(row),
  };
}

/** Most instruction facts read for one repository. */
const MAX_RULES_READ = 5_000;

/** The instructions for `path` in a repository; `requested` rules (description only) come last. */
export async function instructionsFor(
  db: Database,
  scope: TenantScope,
  input: { repository: string; path: string; limit: number },
): Promise<{ repository: { id: string; name: string }; path: string; instructions: AppliedInstruction[]; more: boolean; owners: OwnersOfPath | null }> {
  return readGraph(db, scope, async (tx) => {
    const repo = await repositoryRef(tx, input.repository);
    const path = input.path.replace(/^\/+/, "");
    const { rows } = await tx.query<FactRow>(
      `select ${FACT_COLUMNS} from graph_facts f ${FACT_REPOSITORY_JOIN}
       where f.repository_id = $1 and f.predicate = 'is' and f.object = 'instruction'
         and (f.props ->> 'scope' = '' or f.props ->> 'scope' = $3 or starts_with($3, (f.props ->> 'scope') || '/'))
       order by f.source_path, f.line limit $2`,
      [repo.id, MAX_RULES_READ + 1, path],
    );
    const applied: (AppliedInstruction & { rank: number })[] = [];
    const capped = rows.length > MAX_RULES_READ;
    for (const row of rows.slice(0, MAX_RULES_READ)) {
      const p = row.props as unknown as InstructionProps;
      if (p.scope !== "" && path !== p.scope && !path.startsWith(`${p.scope}/`)) continue;
      const depth = p.scope === "" ? 0 : p.scope.split("/").length;
      let matchedGlob: string | null = null;
      let rank: number;
      if (p.mode === "globs") {
        matchedGlob = (p.globs ?? []).find((g) => globMatches(g, p.scope, path)) ?? null;
        if (!matchedGlob) continue;
        rank = 1000 + depth * 10 + globSpecificity(matchedGlob);
      } else if (p.mode === "always") rank = depth * 10;
      else rank = -1;
      applied.push({ ...appliedInstruction(row, matchedGlob), rank });
    }
    applied.sort((a, b) => b.rank - a.rank || a.evidence.path.localeCompare(b.evidence.path) || a.evidence.line - b.evidence.line);
    const owners = await ownersOfPath(tx, repo.id, path);
    return {
      repository: { id: repo.id, name: repo.name },
      path,
      instructions: applied.slice(0, input.limit).map(({ rank: _rank, ...rest }) => rest),
      more: applied.length > input.limit || capped,
      owners,
    };
  });
}

/** The owners of a path and the CODEOWNERS rule that decided. */
export interface OwnersOfPath {
  owners: string[];
  pattern: string;
  evidence: Evidence;
}

/** The owners of `path` by the repository's CODEOWNERS (GitHub's file order), or null. */
export async function ownersOfPath(tx: Queryable, repositoryId: string, path: string): Promise<OwnersOfPath | null> {
  const { rows } = await tx.query<FactRow>(
    `select ${FACT_COLUMNS} from graph_facts f ${FACT_REPOSITORY_JOIN}
     where f.repository_id = $1 and f.predicate = 'owner_rule' and f.source_path = any($2::text[])
     order by array_position($2::text[], f.source_path), (f.props ->> 'order')::int`,
    [repositoryId, CODEOWNERS_PATHS],
  );
  if (rows.length === 0) return null;
  const file = rows[0]!.source_path;
  const rules = rows.filter((r) => r.source_path === file).map((r) => ({ pattern: r.object, owners: (r.props.owners as string[]) ?? [], row: r }));
  const rule = ownersOf(rules, path);
  return rule ? { owners: rule.owners, pattern: rule.pattern, evidence: evidenceOf(rule.row) } : null;
}
