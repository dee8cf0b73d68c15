/**
 * Maven (`pom.xml`): the module (`maven:<groupId>:<artifactId>`, the group inherited from
 * `<parent>` when absent), its packaging and `<modules>`, and `<dependencies>` as `depends_on`
 * edges with their scope and version (`${property}` resolved from `<properties>`). Parsed with
 * fast-xml-parser (no entity expansion); lines are found by walking the text in document order.
 */
import { XMLParser } from "fast-xml-parser";
import { baseName, dirName, type Extractor, ExtractionProblem, type Fact, joinPath, isRecord } from "./extractor.js";
import { packageKindOf } from "./package-kinds.js";

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  processEntities: false,
  isArray: (name) => ["dependency", "module", "plugin"].includes(name),
});

const str = (v: unknown) => (typeof v === "string" ? v.trim() : typeof v === "number" ? String(v) : undefined);

/** Maven coordinates as a node key. */
export const mavenKey = (groupId: string, artifactId: string) => `maven:${groupId}:${artifactId}`;

/** The extractor. */
export const mavenExtractor: Extractor = {
  name: "maven",
  matches: (path) => baseName(path) === "pom.xml",
  extract({ path, text }) {
    if (text.length > 2 * 1024 * 1024) throw new ExtractionProblem("file too large to read");
    let doc: Record<string, unknown>;
    try {
      doc = parser.parse(text, true) as Record<string, unknown>;
    } catch (err) {
      throw new ExtractionProblem(`not valid XML: ${(err as Error).message.split("\n")[0]}`);
    }
    const project = isRecord(doc.project) ? doc.project : undefined;
    if (!project) throw new ExtractionProblem("no <project> element");
    const parent = isRecord(project.parent) ? project.parent : {};
    const artifactId = str(project.artifactId);
    const groupId = str(project.groupId) ?? str(parent.groupId);
    if (!artifactId || !groupId) throw new ExtractionProblem("no groupId or artifactId");
    const properties = isRecord(project.properties) ? project.properties : {};
    const resolve = (v: string | undefined) =>
      v?.replace(/\$\{([^}]+)\}/g, (whole, name: string) => str(properties[name]) ?? (name === "project.version" ? (str(project.version) ?? whole) : whole));
    const lines = text.split("\n");
    // Lines inside <exclusions> name artifacts a dependency leaves out, not dependencies.
    let excluding = false;
    const excluded = lines.map((line) => {
      const inside = excluding || line.includes("<exclusions>");
      if (line.includes("<exclusions>")) excluding = true;
      if (line.includes("</exclusions>")) excluding = false;
      return inside;
    });
    let cursor = 0;
    /** The line of the next occurrence of `needle` from the cursor on (which moves past it). */
    const lineOf = (needle: string) => {
      for (let i = cursor; i < lines.length; i++) {
        if (!excluded[i] && lines[i]!.includes(needle)) {
          cursor = i + 1;
          return i + 1;
        }
      }
      return 1;
    };
    const subject = mavenKey(groupId, artifactId);
    const dir = dirName(path);
    const deps = (isRecord(project.dependencies) && Array.isArray(project.dependencies.dependency) ? project.dependencies.dependency : [])
      .filter(isRecord)
      .slice(0, 500);
    const coordinates = deps.map((d) => `${str(d.groupId)}:${str(d.artifactId)}`);
    const kind =
      str(project.packaging) === "war"
        ? { kind: "service" as const, evidence: "packaging war" }
        : packageKindOf("maven", { executables: [], dependencies: coordinates.filter((_, i) => (str(deps[i]!.scope) ?? "compile") === "compile") });
    const modules = isRecord(project.modules) && Array.isArray(project.modules.module) ? project.modules.module.map(str).filter((m): m is string => !!m) : [];
    const facts: Fact[] = [
      {
        line: lineOf(`<artifactId>${artifactId}</artifactId>`),
        subject,
        predicate: "is",
        object: "package",
        props: {
          name: `${groupId}:${artifactId}`,
          ecosystem: "maven",
          path: dir,
          version: resolve(str(project.version) ?? str(parent.version)),
          packaging: str(project.packaging),
          kind: kind.kind,
          evidence: kind.evidence,
          modules: modules.length > 0 ? modules.map((m) => joinPath(dir, m)).slice(0, 200) : undefined,
        },
      },
    ];
    cursor = lines.findIndex((l) => l.includes("<dependencies>"));
    if (cursor < 0) cursor = 0;
    for (const dep of deps) {
      const g = resolve(str(dep.groupId));
      const a = resolve(str(dep.artifactId));
      if (!g || !a) continue;
      facts.push({
        line: lineOf(`<artifactId>${str(dep.artifactId)}</artifactId>`),
        subject,
        predicate: "depends_on",
        object: mavenKey(g, a),
        props: { scope: str(dep.scope) ?? "compile", version: resolve(str(dep.version)) },
      });
    }
    return facts;
  },
};
