/**
 * The words of a topic: identifiers split, stemming that keeps a stem a prefix of the word,
 * stop words dropped, and the score that ranks get_context's candidates.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { flatTerms, scoreTopic, stem, termMatches, textTokens, topicTerms } from "./topic-terms.js";

describe("topic terms", () => {
  it("splits identifiers and keeps the whole word", () => {
    assert.deepEqual(topicTerms("FalkorDB graph database"), [
      { term: "falkordb", parts: ["falkor", "db"] },
      { term: "graph", parts: [] },
      { term: "databas", parts: [] },
    ]);
    assert.deepEqual(
      topicTerms("@acme/ui-kit parseHTTPRequest2 snake_case").map((w) => w.term),
      ["acme", "ui", "kit", "parsehttprequest2", "snak", "case"],
    );
    assert.deepEqual(topicTerms("parseHTTPRequest2")[0]!.parts, ["pars", "http", "request"]);
  });

  it("drops stop words, one-letter words and repeats", () => {
    assert.deepEqual(
      topicTerms("Where are the packages in the monorepo? Packages, a package!").map((w) => w.term),
      ["packag", "monorepo"],
    );
    assert.deepEqual(topicTerms("what is the"), []);
    assert.equal(topicTerms(Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ")).length, 12);
  });

  it("stems to a prefix of every form", () => {
    for (const [word, stemmed] of [
      ["packages", "packag"],
      ["packaging", "packag"],
      ["package", "packag"],
      ["dependencies", "dependenc"],
      ["dependency", "dependency"],
      ["deployment", "deploy"],
      ["indexed", "index"],
      ["boxes", "box"],
      ["status", "status"],
      ["go", "go"],
      ["v2", "v2"],
    ] as const) {
      assert.equal(stem(word), stemmed, word);
      assert.ok(word.startsWith(stemmed), `${stemmed} is a prefix of ${word}`);
    }
  });

  it("matches a token equal to a term, or starting with a term of three letters or more", () => {
    const tokens = textTokens("PostgreSQL ui-kit docker-compose.yml");
    assert.ok(termMatches("postgr", tokens));
    assert.ok(termMatches("ui", tokens));
    assert.ok(!termMatches("u", tokens));
    assert.ok(termMatches("compos", tokens));
    assert.ok(!termMatches("kits", tokens));
    assert.ok(textTokens("FalkorDB").has("falkordb") && textTokens("FalkorDB").has("db"));
    assert.deepEqual(flatTerms(topicTerms("FalkorDB graph")), ["falkordb", "falkor", "db", "graph"]);
  });

  it("scores by the words matched, then by where", () => {
    const words = topicTerms("docker compose deployment");
    const field = (text: string, weight: number) => ({ tokens: textTokens(text), weight });
    const adr = scoreTopic(words, [field("2. Deploy with Docker Compose", 3), field("", 2), field("docs/adr/0002-deploy.md", 1)]);
    const service = scoreTopic(words, [field("web", 3), field("service", 2), field("docker-compose.yml", 1)]);
    const image = scoreTopic(words, [field("docker", 3), field("image", 2), field("Dockerfile", 1)]);
    assert.deepEqual(adr, { matched: 3, weight: 9 });
    assert.deepEqual(service, { matched: 2, weight: 2 });
    assert.deepEqual(image, { matched: 1, weight: 3 });
    assert.deepEqual(scoreTopic(words, [field("billing", 3)]), { matched: 0, weight: 0 });
    // A split identifier found only in parts counts the share found.
    assert.deepEqual(scoreTopic(topicTerms("FalkorDB"), [field("mongo-db", 3)]), { matched: 0.5, weight: 1.5 });
  });
});
