/**
 * Dockerfiles (`Dockerfile`, `Dockerfile.*`, `*.dockerfile`, `Containerfile`): the folder it
 * builds (a package there is a service), its base images (`FROM`, stage names excluded) and
 * `EXPOSE`d ports. Read with Dockerfile's own line grammar: instructions, `\` continuations,
 * `#` comments.
 */
import { baseName, dirName, type Extractor, type Fact } from "./extractor.js";
import { imageKey, localKey } from "./graph-keys.js";
import { imageFact, imageName } from "./images.js";

/** Instructions with their first line (continuations joined). */
function instructions(text: string): { keyword: string; args: string; line: number }[] {
  const out: { keyword: string; args: string; line: number }[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (!pending && /^\s*#/.test(line)) return;
    const continued = /\\\s*$/.test(line);
    const part = continued ? line.replace(/\\\s*$/, "") : line;
    pending = pending ? { text: `${pending.text} ${part.trim()}`, line: pending.line } : { text: part.trim(), line: i + 1 };
    if (continued) return;
    const match = /^([A-Za-z]+)\s+(.*)$/.exec(pending.text);
    if (match) out.push({ keyword: match[1]!.toUpperCase(), args: match[2]!, line: pending.line });
    pending = undefined;
  });
  return out;
}

/** Whether `path` names a Dockerfile. */
export function isDockerfile(path: string): boolean {
  const name = baseName(path);
  return name === "Dockerfile" || name === "Containerfile" || name.startsWith("Dockerfile.") || name.endsWith(".dockerfile");
}

/** The extractor. */
export const dockerExtractor: Extractor = {
  name: "docker",
  matches: isDockerfile,
  extract({ repositoryId, path, text }) {
    const subject = localKey("container", repositoryId, path);
    const stages = new Set<string>();
    const ports: string[] = [];
    const facts: Fact[] = [];
    const steps = instructions(text);
    for (const step of steps) {
      if (step.keyword === "FROM") {
        const words = step.args.split(/\s+/).filter((w) => !w.startsWith("--"));
        const base = words[0] ?? "";
        if (words[1]?.toLowerCase() === "as" && words[2]) stages.add(words[2].toLowerCase());
        const name = stages.has(base.toLowerCase()) ? undefined : imageName(base);
        if (name) facts.push(imageFact(name, step.line), { line: step.line, subject, predicate: "uses", object: imageKey(name), props: { as: "base image" } });
      } else if (step.keyword === "EXPOSE") {
        ports.push(...step.args.split(/\s+/).filter((p) => /^\d+(\/(tcp|udp))?$/.test(p)));
      }
    }
    facts.unshift({
      line: steps[0]?.line ?? 1,
      subject,
      predicate: "is",
      object: "container",
      props: {
        name: path,
        builds: dirName(path),
        ports: ports.length > 0 ? ports.slice(0, 20) : undefined,
        stages: stages.size > 0 ? [...stages].slice(0, 20) : undefined,
      },
    });
    return facts;
  },
};
