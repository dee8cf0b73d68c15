/**
 * Cargo.toml: the crate (`[package]`), a workspace's members (`[workspace]`), binaries, and
 * `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]` (with `package = "…"`
 * renames and target-specific tables) as `depends_on` edges to `cargo:<name>`.
 */
import { baseName, dirName, type Extractor, ExtractionProblem, type Fact, isRecord } from "./extractor.js";
import { cargoKey, localKey } from "./graph-keys.js";
import { packageKindOf } from "./package-kinds.js";
import { parseTomlDocument } from "./structured-text.js";

const SCOPES = [
  ["dependencies", "runtime"],
  ["dev-dependencies", "dev"],
  ["build-dependencies", "build"],
] as const;

const stringOf = (v: unknown) => (typeof v === "string" ? v : undefined);

/** The extractor. */
export const cargoExtractor: Extractor = {
  name: "cargo",
  matches: (path) => baseName(path) === "Cargo.toml",
  extract({ repositoryId, path, text }) {
    const doc = parseTomlDocument(text);
    const manifest = doc.value;
    const dir = dirName(path);
    const pkg = isRecord(manifest.package) ? manifest.package : undefined;
    const workspace = isRecord(manifest.workspace) ? manifest.workspace : undefined;
    if (!pkg && !workspace) throw new ExtractionProblem("Cargo.toml has neither [package] nor [workspace]");
    const facts: Fact[] = [];
    if (workspace) {
      facts.push({
        line: doc.lineOf("workspace"),
        subject: localKey("workspace", repositoryId, path),
        predicate: "is",
        object: "workspace",
        props: {
          name: `${dir || "(root)"} Cargo workspace`,
          ecosystem: "cargo",
          path: dir,
          members: Array.isArray(workspace.members) ? workspace.members.filter((m): m is string => typeof m === "string").slice(0, 200) : [],
        },
      });
    }
    const name = pkg ? stringOf(pkg.name) : undefined;
    if (!pkg || !name) return facts;
    const subject = cargoKey(name);
    // Dependency tables: top level and per target ([target.'cfg(unix)'.dependencies]).
    const tables: { table: string; scope: string; entries: Record<string, unknown> }[] = [];
    for (const [field, scope] of SCOPES)
      if (isRecord(manifest[field])) tables.push({ table: field, scope, entries: manifest[field] as Record<string, unknown> });
    if (isRecord(manifest.target)) {
      for (const [target, body] of Object.entries(manifest.target)) {
        for (const [field, scope] of SCOPES) {
          if (isRecord(body) && isRecord(body[field]))
            tables.push({ table: `target.${target}.${field}`, scope, entries: body[field] as Record<string, unknown> });
        }
      }
    }
    const runtime = tables
      .filter((t) => t.scope === "runtime")
      .flatMap((t) => Object.entries(t.entries).map(([k, v]) => (isRecord(v) && stringOf(v.package)) || k));
    const bins = Array.isArray(manifest.bin) ? manifest.bin.map((b) => (isRecord(b) ? stringOf(b.name) : undefined)).filter((b): b is string => !!b) : [];
    const kind = packageKindOf("cargo", { executables: bins, dependencies: runtime });
    facts.push({
      line: doc.lineOf("package", "name"),
      subject,
      predicate: "is",
      object: "package",
      props: {
        name,
        ecosystem: "cargo",
        path: dir,
        version: stringOf(pkg.version),
        kind: kind.kind,
        evidence: kind.evidence,
        description: stringOf(pkg.description)?.slice(0, 300),
      },
    });
    let count = 0;
    for (const { table, scope, entries } of tables) {
      for (const [key, spec] of Object.entries(entries)) {
        if (++count > 500) return facts;
        const crate = (isRecord(spec) && stringOf(spec.package)) || key;
        const version =
          typeof spec === "string"
            ? spec
            : isRecord(spec)
              ? (stringOf(spec.version) ?? (spec.workspace === true ? "workspace" : stringOf(spec.path) ? `path:${spec.path}` : undefined))
              : undefined;
        facts.push({ line: doc.lineOf(table, key), subject, predicate: "depends_on", object: cargoKey(crate), props: { scope, version } });
      }
    }
    return facts;
  },
};
