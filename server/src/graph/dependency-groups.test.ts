/**
 * How graph_neighbors groups a dependency from the scope each extractor records, and the
 * order of the groups (direct first, indirect last).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareGroups, dependencyGroupOf } from "./graph.service.js";

describe("dependency groups", () => {
  it("reads each extractor's scope", () => {
    const cases: [string, string | undefined, string][] = [
      ["depends_on", "runtime", "direct"],
      ["depends_on", undefined, "direct"],
      ["depends_on", "indirect", "indirect"],
      ["depends_on", "dev", "dev"],
      ["depends_on", "peer", "peer"],
      ["depends_on", "optional", "optional"],
      ["depends_on", "optional:postgres", "optional"],
      ["depends_on", "group:lint", "dev"],
      ["depends_on", "build", "build"],
      ["depends_on", "compile", "direct"],
      ["depends_on", "test", "dev"],
      ["depends_on", "provided", "peer"],
      ["depends_on", "implementation", "direct"],
      ["depends_on", "api", "direct"],
      ["depends_on", "testImplementation", "dev"],
      ["depends_on", "compileOnly", "peer"],
      ["depends_on", "annotationProcessor", "build"],
      ["depends_on", "developmentOnly", "dev"],
      ["uses", undefined, "uses"],
      ["deploys", "runtime", "deploys"],
    ];
    for (const [predicate, scope, group] of cases) assert.equal(dependencyGroupOf(predicate, scope), group, `${predicate} ${scope}`);
  });

  it("lists direct dependencies and other edges first, indirect ones last", () => {
    assert.deepEqual(["indirect", "dev", "uses", "peer", "direct", "build", "optional"].sort(compareGroups), [
      "direct",
      "uses",
      "peer",
      "optional",
      "build",
      "dev",
      "indirect",
    ]);
  });
});
