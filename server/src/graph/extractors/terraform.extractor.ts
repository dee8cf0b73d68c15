/**
 * Terraform (`*.tf`): resources that are datastores, queues or services of the common cloud
 * providers (AWS, Google Cloud, Azure, Kubernetes), as nodes named `<type>.<name>`; module
 * calls with their `source`. Read with the brace tokenizer (`#` and `//` comments); values
 * computed from variables are not evaluated.
 */
import { dirName, type Extractor, type Fact } from "./extractor.js";
import { closingIndex, tokenize } from "./code-tokens.js";
import { localKey } from "./graph-keys.js";

const KINDS: Record<string, "datastore" | "queue" | "service"> = {};
for (const t of [
  "aws_db_instance",
  "aws_rds_cluster",
  "aws_dynamodb_table",
  "aws_elasticache_cluster",
  "aws_elasticache_replication_group",
  "aws_s3_bucket",
  "aws_opensearch_domain",
  "aws_docdb_cluster",
  "google_sql_database_instance",
  "google_spanner_instance",
  "google_bigquery_dataset",
  "google_storage_bucket",
  "google_redis_instance",
  "google_firestore_database",
  "azurerm_postgresql_flexible_server",
  "azurerm_mysql_flexible_server",
  "azurerm_mssql_server",
  "azurerm_cosmosdb_account",
  "azurerm_redis_cache",
  "azurerm_storage_account",
])
  KINDS[t] = "datastore";
for (const t of [
  "aws_sqs_queue",
  "aws_sns_topic",
  "aws_msk_cluster",
  "aws_kinesis_stream",
  "aws_mq_broker",
  "google_pubsub_topic",
  "google_pubsub_subscription",
  "azurerm_servicebus_queue",
  "azurerm_servicebus_topic",
  "azurerm_eventhub",
])
  KINDS[t] = "queue";
for (const t of [
  "aws_ecs_service",
  "aws_lambda_function",
  "aws_apprunner_service",
  "google_cloud_run_service",
  "google_cloud_run_v2_service",
  "google_cloudfunctions2_function",
  "azurerm_container_app",
  "azurerm_linux_web_app",
  "azurerm_function_app",
  "kubernetes_deployment",
  "kubernetes_deployment_v1",
])
  KINDS[t] = "service";

/** The extractor. */
export const terraformExtractor: Extractor = {
  name: "terraform",
  matches: (path) => path.endsWith(".tf"),
  extract({ repositoryId, path, text }) {
    const tokens = tokenize(text, { hashComments: true });
    const facts: Fact[] = [];
    for (let i = 0; i < tokens.length && facts.length < 500; i++) {
      const t = tokens[i]!;
      if (t.type !== "ident") continue;
      if (t.text === "resource" && tokens[i + 1]?.type === "string" && tokens[i + 2]?.type === "string" && tokens[i + 3]?.text === "{") {
        const type = tokens[i + 1]!.text;
        const kind = KINDS[type];
        if (kind) {
          const name = `${type}.${tokens[i + 2]!.text}`;
          facts.push({
            line: t.line,
            subject: localKey("infra", repositoryId, `${dirName(path) || "."}/${name}`),
            predicate: "is",
            object: kind,
            props: { name, resource: type, provider: type.split("_")[0], folder: dirName(path) },
          });
        }
        i = closingIndex(tokens, i + 3);
      } else if (t.text === "module" && tokens[i + 1]?.type === "string" && tokens[i + 2]?.text === "{") {
        const end = closingIndex(tokens, i + 2);
        let source: string | undefined;
        for (let k = i + 3; k < end; k++)
          if (tokens[k]!.text === "source" && tokens[k + 1]?.text === "=" && tokens[k + 2]?.type === "string") source = tokens[k + 2]!.text;
        if (source) {
          facts.push({
            line: t.line,
            subject: localKey("infra", repositoryId, `module.${tokens[i + 1]!.text}@${path}`),
            predicate: "is",
            object: "workspace",
            props: { name: `module ${tokens[i + 1]!.text}`, ecosystem: "terraform", source: source.slice(0, 300), folder: dirName(path) },
          });
        }
        i = end;
      }
    }
    return facts;
  },
};
