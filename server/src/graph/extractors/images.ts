/**
 * Container image references: the name without tag or digest (`postgres:16` → `postgres`,
 * `ghcr.io/acme/api@sha256:…` → `ghcr.io/acme/api`, Docker Hub's `library/` dropped) and what
 * kind of thing the image is known to run (a datastore, a queue) by its last name segment.
 */
import type { Fact } from "./extractor.js";
import { imageKey } from "./graph-keys.js";

const DATASTORES = new Set([
  "postgres",
  "postgis",
  "mysql",
  "mariadb",
  "mongo",
  "mongodb",
  "redis",
  "valkey",
  "memcached",
  "elasticsearch",
  "opensearch",
  "cassandra",
  "clickhouse",
  "cockroach",
  "minio",
  "neo4j",
  "couchdb",
  "influxdb",
  "timescaledb",
]);
const QUEUES = new Set(["kafka", "cp-kafka", "rabbitmq", "nats", "redpanda", "pulsar", "activemq", "localstack"]);

/** The image name of a reference, or undefined for a variable or `scratch`. */
export function imageName(reference: string): string | undefined {
  const ref = reference.trim();
  if (ref === "" || ref === "scratch" || ref.includes("$")) return undefined;
  let name = ref.split("@")[0]!;
  const lastSlash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  if (colon > lastSlash) name = name.slice(0, colon);
  name = name.replace(/^(docker\.io\/)?library\//, "").replace(/^docker\.io\//, "");
  return name.toLowerCase() || undefined;
}

/** The node kind of an image: datastore, queue or image. */
export function imageKindOf(name: string): "datastore" | "queue" | "image" {
  const last = name.slice(name.lastIndexOf("/") + 1);
  if (DATASTORES.has(last)) return "datastore";
  if (QUEUES.has(last)) return "queue";
  return "image";
}

/** The node fact of an image, seen at `line`. */
export function imageFact(name: string, line: number): Fact {
  return { line, subject: imageKey(name), predicate: "is", object: imageKindOf(name), props: { name } };
}
