/**
 * /$orgSlug/repositories: add a repository by clone URL (with an optional token), and the list
 * with each one's source (URL, or the GitHub App connection it came from) and live status:
 * while any is queued or running the list refreshes itself every second and a half, showing
 * the step and its progress; skipped files, errors (git's own words), one Re-index button, and
 * removal after a confirmation. Status changes are announced (aria-live).
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import { Button, errorMessage, Field, Notice, PageHeader, QueryState } from "../ui/ui";
import { addRepository, BUSY_STATUSES, type Repository, reindexRepository, removeRepository, repositoryKeys, useRepositories } from "./repositories-api";
import { useOrgSlug } from "../app-shell/route-params";

const STATUS_TEXT: Record<string, string> = {
  queued: "Queued",
  running: "Indexing",
  ready: "Ready",
  failed: "Failed",
  complete_with_issues: "Ready, with skipped files",
  unindexing: "Removing",
};

/** The repositories page. */
export function RepositoriesPage() {
  const orgSlug = useOrgSlug();
  const repositories = useRepositories(orgSlug, { pollWhileBusy: true });
  return (
    <>
      <PageHeader title="Repositories">Indexed code your agents and searches can reach.</PageHeader>
      <p className="-mt-2 mb-4 text-sm">
        Following a GitHub account or organisation?{" "}
        <Link to="/$orgSlug/settings/connections" params={{ orgSlug }}>
          Connect a GitHub App
        </Link>{" "}
        and pick its repositories: pushes are indexed as they happen.
      </p>
      <AddRepositoryForm orgSlug={orgSlug} />
      <section aria-labelledby="repo-list" className="mt-6">
        <h2 id="repo-list" className="mb-2 text-lg font-semibold">
          In this organisation
        </h2>
        <QueryState query={repositories}>
          {(repos) =>
            repos.length === 0 ? (
              <Notice>No repositories yet. Add one above by its clone URL; indexing starts at once.</Notice>
            ) : (
              <ul className="flex flex-col gap-2">
                {repos.map((repo) => (
                  <RepositoryRow key={repo.id} orgSlug={orgSlug} repo={repo} />
                ))}
              </ul>
            )
          }
        </QueryState>
      </section>
    </>
  );
}

function AddRepositoryForm({ orgSlug }: { orgSlug: string }) {
  const queryClient = useQueryClient();
  const [url, setUrl] = useState("");
  const [token, setToken] = useState("");
  const add = useMutation({
    mutationFn: () => addRepository(orgSlug, { url: url.trim(), token }),
    onSuccess: async () => {
      setUrl("");
      setToken("");
      await queryClient.invalidateQueries({ queryKey: repositoryKeys.all(orgSlug) });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  return (
    <form onSubmit={submit} className="flex flex-col gap-3 rounded-lg border border-line bg-surface p-4" aria-labelledby="add-repo">
      <h2 id="add-repo" className="text-lg font-semibold">
        Add a repository
      </h2>
      <Field id="repo-url" label="Clone URL" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://github.com/acme/api.git" />
      <Field
        id="repo-token"
        label="Access token (private repositories)"
        type="password"
        autoComplete="off"
        value={token}
        onChange={(e) => setToken(e.target.value)}
        hint="Stored encrypted and never shown again."
      />
      {add.error && <Notice kind="error">{errorMessage(add.error)}</Notice>}
      <div>
        <Button type="submit" disabled={add.isPending || !url.trim()}>
          {add.isPending ? "Adding…" : "Add and index"}
        </Button>
      </div>
    </form>
  );
}

/** Where the repository comes from: its clone URL, or a GitHub App connection (linked). */
function SourceBadge({ orgSlug, source }: { orgSlug: string; source: Repository["source"] }) {
  const look = "rounded-full border border-line px-2 py-0.5 text-xs";
  return source.type === "github" ? (
    <Link
      to="/$orgSlug/settings/connections/$connectionId"
      params={{ orgSlug, connectionId: source.connectionId }}
      className={`${look} text-ink no-underline hover:bg-muted`}
      data-testid="repository-source"
    >
      <span className="sr-only">Source: </span>GitHub
    </Link>
  ) : (
    <span className={`${look} text-soft`} data-testid="repository-source">
      <span className="sr-only">Source: </span>URL
    </span>
  );
}

function RepositoryRow({ orgSlug, repo }: { orgSlug: string; repo: Repository }) {
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: repositoryKeys.all(orgSlug) });
  const reindex = useMutation({ mutationFn: () => reindexRepository(orgSlug, repo.id), onSuccess: refresh });
  const remove = useMutation({ mutationFn: () => removeRepository(orgSlug, repo.id), onSuccess: refresh });
  const [confirming, setConfirming] = useState(false);
  const skipped = Object.values(repo.skipped).reduce((n, c) => n + c, 0);
  const step = repo.step;
  return (
    <li className="rounded-lg border border-line bg-surface p-3" data-testid="repository">
      <div className="flex flex-wrap items-center gap-2">
        <Link to="/$orgSlug/search" params={{ orgSlug }} search={{ q: `repo:${repo.name} ` }} className="font-semibold">
          {repo.name}
        </Link>
        <span className="rounded-full bg-muted px-2 py-0.5 text-xs" aria-live="polite" data-testid="repository-status">
          {STATUS_TEXT[repo.status] ?? repo.status}
        </span>
        <SourceBadge orgSlug={orgSlug} source={repo.source} />
        <span className="break-all text-xs text-soft">{repo.url}</span>
        <div className="ml-auto flex gap-2">
          <Button variant="secondary" onClick={() => reindex.mutate()} disabled={BUSY_STATUSES.has(repo.status) || reindex.isPending}>
            Re-index
          </Button>
          {confirming ? (
            <>
              <Button variant="danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
                Remove {repo.name}
              </Button>
              <Button variant="secondary" onClick={() => setConfirming(false)}>
                Keep
              </Button>
            </>
          ) : (
            <Button variant="secondary" onClick={() => setConfirming(true)} disabled={repo.status === "unindexing"}>
              Remove…
            </Button>
          )}
        </div>
      </div>
      {step && (
        <p className="mt-1 text-sm text-soft">
          Step {step.index} of {step.total}: {step.label}
          {step.of ? ` (${step.done ?? 0} of ${step.of})` : ""}
        </p>
      )}
      {repo.indexedCommit && (
        <p className="mt-1 text-sm text-soft">
          {repo.fileCount} files at {repo.indexedCommit.slice(0, 12)}
          {repo.indexedBranch ? ` on ${repo.indexedBranch}` : ""}
          {skipped > 0
            ? `; ${skipped} skipped (${Object.entries(repo.skipped)
                .map(([why, n]) => `${n} ${why.replace(/_/g, " ")}`)
                .join(", ")})`
            : ""}
        </p>
      )}
      {repo.error && (
        <div className="mt-2">
          {/* One way to run it again: the Re-index button above (a Retry here did the same). */}
          <Notice kind={repo.status === "failed" ? "error" : "info"}>
            <span className="break-words" data-testid="repository-error">
              {repo.error}
            </span>
          </Notice>
        </div>
      )}
      {(reindex.error || remove.error) && <Notice kind="error">{errorMessage(reindex.error ?? remove.error)}</Notice>}
    </li>
  );
}
