/**
 * Which of the installation's repositories the organisation indexes: all (and new ones as
 * they come) or the ones ticked, plus whether repositories the installation gains later join
 * on their own. Save sends PUT …/selection and says what was added, removed or refused.
 * Members see the same list read-only. Each repository shows private, archived and indexed.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import { repositoryKeys } from "../repositories/repositories-api";
import { Button, errorMessage, Notice, QueryState } from "../ui/ui";
import { type Connection, connectionKeys, saveSelection, useAvailableRepositories } from "./connection-api";

type Mode = "all" | "some";

function Marker({ children }: { children: string }) {
  return <span className="ml-1 rounded-full bg-muted px-1.5 py-0.5 text-xs text-soft">{children}</span>;
}

/** The picker of `connection` (installed). */
export function RepositoryPicker({ orgSlug, connection, isAdmin }: { orgSlug: string; connection: Connection; isAdmin: boolean }) {
  const queryClient = useQueryClient();
  const available = useAvailableRepositories(orgSlug, connection.id);
  const [mode, setMode] = useState<Mode>(connection.selection?.repositories ?? "some");
  // Until ticked or unticked, "add new ones" follows the choice: on for all, off for some.
  const [autoAddChoice, setAutoAdd] = useState<boolean | null>(connection.selection?.autoAdd ?? null);
  const autoAdd = autoAddChoice ?? mode === "all";
  // Until a box is touched, the ticked ones are those indexed now.
  const [picked, setPicked] = useState<Set<number> | null>(null);
  const chosen = picked ?? new Set(available.data?.repositories.filter((r) => r.linked).map((r) => r.id));
  const save = useMutation({
    mutationFn: () => saveSelection(orgSlug, connection.id, { repositories: mode === "all" ? "all" : [...chosen], autoAdd }),
    onSuccess: async (result) => {
      queryClient.setQueryData(connectionKeys.one(orgSlug, connection.id), result.connection);
      setPicked(null);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: connectionKeys.all(orgSlug) }),
        queryClient.invalidateQueries({ queryKey: repositoryKeys.all(orgSlug) }),
      ]);
    },
  });
  const toggle = (id: number, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(id);
    else next.delete(id);
    setPicked(next);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };

  return (
    <section aria-labelledby="pick-repositories">
      <h3 id="pick-repositories" className="mb-2 text-lg font-semibold">
        Repositories to index
      </h3>
      <QueryState query={available}>
        {(data) => (
          <form onSubmit={submit} className="flex flex-col gap-3">
            <fieldset disabled={!isAdmin} className="flex flex-col gap-3">
              <fieldset className="flex flex-col gap-1">
                <legend className="mb-1 text-sm font-medium">Which repositories</legend>
                {(
                  [
                    ["all", `All ${data.repositories.length} the installation can read`],
                    ["some", "Only the ones ticked below"],
                  ] as const
                ).map(([value, label]) => (
                  <label key={value} className="flex items-center gap-2 text-sm">
                    <input type="radio" name="repository-mode" value={value} checked={mode === value} onChange={() => setMode(value)} />
                    {label}
                  </label>
                ))}
              </fieldset>
              {data.repositories.length === 0 ? (
                <Notice>The installation can read no repository yet: grant it some on GitHub, then check again.</Notice>
              ) : (
                <fieldset className="flex flex-col gap-1" disabled={mode === "all"}>
                  <legend className="mb-1 text-sm font-medium">Repositories</legend>
                  <ul className="flex max-h-80 flex-col gap-1 overflow-y-auto rounded-md border border-line p-2" data-testid="available-repositories">
                    {data.repositories.map((r) => (
                      <li key={r.id}>
                        <label className="flex flex-wrap items-center gap-x-2 text-sm">
                          <input type="checkbox" checked={mode === "all" || chosen.has(r.id)} onChange={(e) => toggle(r.id, e.target.checked)} />
                          <span className="break-all">{r.fullName}</span>
                          {r.private && <Marker>private</Marker>}
                          {r.archived && <Marker>archived</Marker>}
                          {r.linked && <Marker>indexed</Marker>}
                        </label>
                      </li>
                    ))}
                  </ul>
                </fieldset>
              )}
              {data.truncated && <Notice>GitHub listed only the first 1,000 repositories; “All” still indexes every one it can read.</Notice>}
              <label className="flex items-center gap-2 text-sm">
                <input type="checkbox" checked={autoAdd} onChange={(e) => setAutoAdd(e.target.checked)} />
                Add new repositories automatically (when the installation gains one on GitHub)
              </label>
            </fieldset>
            {save.error && <Notice kind="error">{errorMessage(save.error)}</Notice>}
            {save.data && <SaveResult orgSlug={orgSlug} result={save.data} />}
            {isAdmin && (
              <div>
                <Button type="submit" disabled={save.isPending}>
                  {save.isPending ? "Saving…" : "Save"}
                </Button>
              </div>
            )}
          </form>
        )}
      </QueryState>
    </section>
  );
}

function SaveResult({ orgSlug, result }: { orgSlug: string; result: { added: string[]; removed: string[]; refused: { fullName: string; reason: string }[] } }) {
  const { added, removed, refused } = result;
  return (
    <>
      <Notice kind="success">
        Saved. {added.length > 0 ? `Added (indexing now): ${added.join(", ")}. ` : ""}
        {removed.length > 0 ? `Removed: ${removed.join(", ")}. ` : ""}
        {added.length + removed.length === 0 ? "Nothing changed. " : ""}
        <Link to="/$orgSlug/repositories" params={{ orgSlug }}>
          See the repositories
        </Link>
      </Notice>
      {refused.length > 0 && (
        <Notice kind="error">
          Not added:{" "}
          {refused.map((r) => (
            <span key={r.fullName}>
              {r.fullName} ({r.reason}){" "}
            </span>
          ))}
        </Notice>
      )}
    </>
  );
}
