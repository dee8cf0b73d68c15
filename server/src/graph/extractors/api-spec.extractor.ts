/**
 * API descriptions: OpenAPI 3 and Swagger 2 (operations, as `operation` facts of the API) and
 * AsyncAPI 2/3 (channels as `event:<channel>` nodes the API `publishes` or `subscribes`, so
 * the producer and consumer of an event meet across repositories). Files are recognised by
 * name (`openapi*`, `swagger*`, `asyncapi*`, `api.yaml`, …) and confirmed by their top-level
 * `openapi`, `swagger` or `asyncapi` key.
 */
import { baseName, dirName, type Extractor, ExtractionProblem, type Fact, isRecord } from "./extractor.js";
import { eventKey, localKey } from "./graph-keys.js";
import { parseYaml } from "./structured-text.js";

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
/** Most operations or channels read per file. */
const MAX_ENTRIES = 300;

/** Whether `path` is named like an API description. */
export function isApiSpecName(path: string): boolean {
  const name = baseName(path).toLowerCase();
  return /\.(ya?ml|json)$/.test(name) && /^(openapi|swagger|asyncapi|api)([._-][\w.-]*)?\.(ya?ml|json)$/.test(name);
}

/** The extractor. */
export const apiSpecExtractor: Extractor = {
  name: "api-spec",
  matches: isApiSpecName,
  extract({ repositoryId, path, text }) {
    const doc = parseYaml(text);
    const spec = doc.value;
    if (!isRecord(spec)) throw new ExtractionProblem("not a mapping");
    const flavour =
      typeof spec.openapi === "string"
        ? `openapi ${spec.openapi}`
        : spec.swagger
          ? `swagger ${spec.swagger}`
          : typeof spec.asyncapi === "string"
            ? `asyncapi ${spec.asyncapi}`
            : undefined;
    if (!flavour) throw new ExtractionProblem("no openapi, swagger or asyncapi key");
    const info = isRecord(spec.info) ? spec.info : {};
    const subject = localKey("api", repositoryId, path);
    const facts: Fact[] = [];
    let entries = 0;
    if (!flavour.startsWith("asyncapi") && isRecord(spec.paths)) {
      for (const [route, item] of Object.entries(spec.paths)) {
        if (!isRecord(item)) continue;
        for (const method of METHODS) {
          const op = item[method];
          if (!isRecord(op) || ++entries > MAX_ENTRIES) continue;
          facts.push({
            line: doc.lineOf(["paths", route, method]),
            subject,
            predicate: "operation",
            object: `${method.toUpperCase()} ${route}`.slice(0, 500),
            props: {
              operationId: typeof op.operationId === "string" ? op.operationId : undefined,
              summary: typeof op.summary === "string" ? op.summary.slice(0, 200) : undefined,
            },
          });
        }
      }
    }
    if (flavour.startsWith("asyncapi") && isRecord(spec.channels)) {
      const v3 = flavour.startsWith("asyncapi 3");
      const operations = v3 && isRecord(spec.operations) ? Object.entries(spec.operations) : [];
      for (const [id, channel] of Object.entries(spec.channels)) {
        if (!isRecord(channel) || ++entries > MAX_ENTRIES) continue;
        const address = v3 && typeof channel.address === "string" ? channel.address : id;
        const line = doc.lineOf(["channels", id]);
        const roles: string[] = [];
        if (!v3) {
          // AsyncAPI 2 names operations from the client's side: `subscribe` is what the
          // application sends, `publish` what it receives.
          if (channel.subscribe) roles.push("publishes");
          if (channel.publish) roles.push("subscribes");
        } else {
          for (const [, op] of operations) {
            const ref = isRecord(op) && isRecord(op.channel) && typeof op.channel.$ref === "string" ? op.channel.$ref : "";
            if (ref.endsWith(`/channels/${id}`) && isRecord(op)) roles.push(op.action === "receive" ? "subscribes" : "publishes");
          }
        }
        facts.push({ line, subject: eventKey(address), predicate: "is", object: "event", props: { name: address } });
        for (const role of new Set(roles.length > 0 ? roles : ["publishes"])) facts.push({ line, subject, predicate: role, object: eventKey(address) });
      }
    }
    facts.unshift({
      line: doc.lineOf([flavour.split(" ")[0]!]),
      subject,
      predicate: "is",
      object: "api",
      props: {
        name: typeof info.title === "string" ? info.title.slice(0, 200) : path,
        version: typeof info.version === "string" ? info.version : undefined,
        spec: flavour,
        path,
        folder: dirName(path),
        operations: entries,
      },
    });
    return facts;
  },
};
