/**
 * Compose files (`compose.yaml`, `docker-compose.yml`, `docker-compose.*.yml`, …): each
 * service with its image or build folder and ports, `uses` edges to images (datastores and
 * queues known by name) and `depends_on` edges between services.
 */
import { baseName, dirName, type Extractor, ExtractionProblem, type Fact, joinPath, isRecord } from "./extractor.js";
import { imageKey, localKey } from "./graph-keys.js";
import { imageFact, imageName } from "./images.js";
import { parseYaml } from "./structured-text.js";

/** Whether `path` names a compose file. */
export function isComposeFile(path: string): boolean {
  return /^(docker-)?compose(\.[\w-]+)?\.ya?ml$/.test(baseName(path));
}

/** The extractor. */
export const composeExtractor: Extractor = {
  name: "compose",
  matches: isComposeFile,
  extract({ repositoryId, path, text }) {
    const doc = parseYaml(text);
    if (!isRecord(doc.value) || !isRecord(doc.value.services)) throw new ExtractionProblem("no `services` mapping");
    const dir = dirName(path);
    const facts: Fact[] = [];
    for (const [name, spec] of Object.entries(doc.value.services).slice(0, 200)) {
      if (!isRecord(spec)) continue;
      const key = localKey("service", repositoryId, name);
      const line = doc.lineOf(["services", name]);
      const image = typeof spec.image === "string" ? imageName(spec.image) : undefined;
      const context =
        typeof spec.build === "string" ? spec.build : isRecord(spec.build) && typeof spec.build.context === "string" ? spec.build.context : undefined;
      const ports = Array.isArray(spec.ports)
        ? spec.ports
            .map((p) => (isRecord(p) ? String(p.target ?? "") : String(p)))
            .filter(Boolean)
            .slice(0, 20)
        : undefined;
      facts.push({
        line,
        subject: key,
        predicate: "is",
        object: "service",
        props: { name, image, builds: context !== undefined ? joinPath(dir, context) : undefined, ports, composeFile: path },
      });
      if (image)
        facts.push(imageFact(image, doc.lineOf(["services", name, "image"])), {
          line: doc.lineOf(["services", name, "image"]),
          subject: key,
          predicate: "uses",
          object: imageKey(image),
        });
      const dependsOn = Array.isArray(spec.depends_on) ? spec.depends_on : isRecord(spec.depends_on) ? Object.keys(spec.depends_on) : [];
      for (const dep of dependsOn.slice(0, 50)) {
        if (typeof dep === "string")
          facts.push({
            line: doc.lineOf(["services", name, "depends_on"]),
            subject: key,
            predicate: "depends_on",
            object: localKey("service", repositoryId, dep),
            props: { scope: "runtime" },
          });
      }
    }
    return facts;
  },
};
