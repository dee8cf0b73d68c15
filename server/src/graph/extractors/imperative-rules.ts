/**
 * Which sentences of a contributor guide are rules. CONTRIBUTING.md is written for people: it
 * thanks, reassures, explains and asks, and only some of its sentences tell a contributor what
 * to do. A rule here is a sentence (in a list item, or a short sentence of a paragraph) that
 *
 * - starts with an imperative verb ("Run…", "Use…", "Include…", "Make sure…"), optionally after
 *   "Please" or a sequencing word ("Also", "Then", "First"), or
 * - is a negative or absolute imperative ("Do not…", "Don't…", "Never…", "Always…"), except
 *   reassurance ("Don't worry", "Do not hesitate", "Don't be afraid"), or
 * - states what must or should (not) happen, its subject being the contributor or the work
 *   ("You must…", "PRs should…", "Commit messages must not…"), not "we", "it" or "this".
 *
 * Never a rule: a question, or a sentence that opens with a discourse word (Although, However,
 * If, Thanks, Welcome, …). Agent instruction files (AGENTS.md, Cursor rules, …) are written
 * as rules, so only chatter (questions, thanks, reassurance) is dropped from them.
 */

/** Words that open explanation, concession, condition or courtesy: such a sentence is prose. */
const DISCOURSE = new Set(
  (
    "although though however but so thus therefore hence because since as while whereas if unless whether when whenever once " +
    "thanks thank welcome hi hello hey congratulations sorry unfortunately fortunately luckily hopefully basically generally " +
    "usually typically currently ideally alternatively instead meanwhile moreover furthermore otherwise anyway well of " +
    "note nb ps fyi btw yes no ok okay happy enjoy cheers it this that these those there here we our us i my they their " +
    "he she which what who whom whose why how where"
  ).split(" "),
);

/** Sequencing words skipped before the verb ("Also, run…"). */
const SEQUENCE = new Set(["also", "then", "next", "first", "firstly", "second", "secondly", "finally", "lastly", "additionally", "and", "please", "kindly"]);

/** Verbs that open an instruction to a contributor. */
const VERBS = new Set(
  (
    "add adhere align annotate apply ask attach avoid be bump build call change check choose clean clone commit configure " +
    "confirm consider copy create declare define delete describe disable document download edit enable ensure explain export " +
    "file fill fix follow fork format give handle import include install keep label leave limit link lint list log make mark " +
    "mention merge migrate move name open pass pick pin place prefer prefix provide push put raise read rebase reference " +
    "remember remove rename reply report request require respect restart return review run search send set sign split squash " +
    "start state stick submit tag target test try type update upgrade use validate verify wait wrap write"
  ).split(" "),
);

/** Verbs that take a clause ("Ensure tests are green"): their next words are not checked for a noun use. */
const CLAUSE_VERBS = new Set(["ensure", "verify", "check", "confirm", "remember", "make", "be"]);

/** Finite verbs and modals: after a first word they show it was a noun ("Build artifacts are…"). */
const FINITE = new Set("is are was were has have had will would can could may might must should shall does do did isn't aren't wasn't won't can't".split(" "));

/** Reassurance and permission, which are not rules ("Don't worry", "Do not hesitate", "should feel free"). */
const REASSURANCE = new Set(["worry", "hesitate", "panic", "fret", "feel", "mind"]);

/** Subjects that make a modal sentence a statement about the project, not a rule for a contributor. */
const NOT_RULE_SUBJECTS = new Set(["it", "this", "that", "there", "we", "they", "i", "he", "she", "which", "what", "who", "one", "everyone", "anyone"]);

/** Modal phrases that make a statement a rule (matched on words). */
const MODALS = [
  ["must"],
  ["mustn't"],
  ["should"],
  ["shouldn't"],
  ["shall"],
  ["need", "to"],
  ["needs", "to"],
  ["have", "to"],
  ["has", "to"],
  ["is", "required"],
  ["are", "required"],
];

/** Most words of a paragraph sentence read as a rule: a long sentence is explanation. */
const MAX_SENTENCE_WORDS = 50;

/** The lower-case words of a text, with markup and punctuation removed (apostrophes kept). */
function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .split(/[^a-z0-9']+/)
    .filter((w) => w !== "" && w !== "'");
}

/** Drops leading markup: emphasis, checkboxes, emoji, and a short label (`**Tests**: …`). */
function stripLead(sentence: string): string {
  let s = sentence.replace(/^(?:\[[ xX]\]\s*)?(?:[\s*_>~`"'(-]|\p{Extended_Pictographic}|\uFE0F)*/u, "");
  const label = /^([^:`]{1,40}):[*_]*\s+(\S.*)$/su.exec(s);
  if (label && label[1]!.trim().split(/\s+/).length <= 4) s = label[2]!.replace(/^[\s*_]+/, "");
  return s;
}

/** Splits a block's text into sentences (at . ! ? followed by space and a capital, quote or mark). */
export function sentencesOf(text: string): string[] {
  const out: string[] = [];
  const re = /[.!?]+["')\]*_]*\s+(?=[A-Z`"'*_([])/g;
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const before = text.slice(Math.max(0, m.index - 5), m.index + 1).toLowerCase();
    if (/\b(?:e\.g|i\.e|etc|vs|cf)\.$/.test(before)) continue;
    out.push(text.slice(start, m.index + m[0].trimEnd().length).trim());
    start = m.index + m[0].length;
  }
  out.push(text.slice(start).trim());
  return out.filter((s) => s !== "");
}

/** Whether one sentence is an imperative rule for a contributor. */
export function isImperativeRule(sentence: string): boolean {
  const text = stripLead(sentence.trim());
  if (text === "" || /\?["')\]*_]*$/.test(text)) return false;
  const all = wordsOf(text);
  let i = 0;
  while (i < all.length - 1 && SEQUENCE.has(all[i]!)) i++;
  const words = all.slice(i);
  const [w0, w1, w2] = words;
  if (!w0 || DISCOURSE.has(all[0]!) || DISCOURSE.has(w0)) return false;
  if (w0 === "don't" || w0 === "dont" || w0 === "never" || (w0 === "do" && w1 === "not")) {
    const verb = w0 === "do" ? w2 : w1;
    const after = w0 === "do" ? words[3] : w2;
    if (!verb || REASSURANCE.has(verb) || (verb === "be" && /^(afraid|shy|scared|discouraged|intimidated)$/.test(after ?? ""))) return false;
    return true;
  }
  if (w0 === "always") return !!w1;
  if (w0 === "you") return isModalAt(words, 1);
  if (VERBS.has(w0)) {
    if (w0 === "make" && w1 !== "sure") return !FINITE.has(w1 ?? "") && !FINITE.has(w2 ?? "");
    if (w0 === "be" && w1 === "sure") return true;
    if (CLAUSE_VERBS.has(w0)) return !FINITE.has(w1 ?? "");
    // "Build artifacts are …", "Test coverage is …": the first word was a noun.
    if (FINITE.has(w1 ?? "") || FINITE.has(w2 ?? "")) return subjectModalRule(words);
    return true;
  }
  return subjectModalRule(words);
}

/** Whether a modal phrase starts at word `at`, followed by something other than reassurance. */
function isModalAt(words: string[], at: number): boolean {
  for (const modal of MODALS) {
    if (modal.every((m, k) => words[at + k] === m)) {
      let next = at + modal.length;
      if (words[next] === "not" || words[next] === "always" || words[next] === "never") next++;
      return !!words[next] && !REASSURANCE.has(words[next]!);
    }
  }
  return false;
}

/** "<subject> must/should (not) …" with a short subject that is the contributor or the work. */
function subjectModalRule(words: string[]): boolean {
  for (let at = 1; at <= 6 && at < words.length; at++) {
    if (isModalAt(words, at)) return !NOT_RULE_SUBJECTS.has(words[0]!) && !DISCOURSE.has(words[0]!);
    if (FINITE.has(words[at]!)) return false;
  }
  return false;
}

/**
 * The rule text of a contributor guide's block: its imperative sentences, joined, or nothing.
 * A paragraph's long sentences are explanation; a list item's are read whatever their length.
 */
export function rulesOf(text: string, type: "item" | "paragraph"): string | undefined {
  // A task list's checkbox (`- [ ] Run …`) is markup, not part of the rule.
  const kept = sentencesOf(text.replace(/^\[[ xX]\]\s+/, "")).filter(
    (s) => (type === "item" || wordsOf(s).length <= MAX_SENTENCE_WORDS) && isImperativeRule(s),
  );
  return kept.length > 0 ? kept.join(" ") : undefined;
}

/** Whether an agent instruction block is chatter rather than a rule: a question, thanks, a greeting or reassurance. */
export function isChatter(text: string): boolean {
  const t = stripLead(text.trim());
  if (/\?["')\]*_]*$/.test(t)) return true;
  const words = wordsOf(t);
  const [w0, w1] = words;
  if (w0 === "thanks" || w0 === "welcome" || w0 === "hi" || w0 === "hello" || w0 === "cheers" || (w0 === "thank" && w1 === "you")) return true;
  return (w0 === "don't" || w0 === "dont") && REASSURANCE.has(w1 ?? "");
}
