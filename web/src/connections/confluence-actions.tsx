/**
 * A Confluence connection's admin actions: Connect to Atlassian (or again), Sync now, include
 * or withhold restricted pages (a full sync follows), and Delete after a confirmation that says
 * its documents go with it.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button, formError, Notice } from "../ui/ui";
import { authorizeConfluence, connectionKeys, deleteConfluence, setConfluenceRestricted, syncConfluence } from "./connection-api";

/** What the actions need of a connection. */
export interface ConfluenceActionTarget {
  id: string;
  name: string;
  status: string;
  site: unknown;
  spaces: unknown;
  includeRestricted: boolean;
}

/** The buttons and the restricted-pages switch. */
export function ConfluenceActions({ orgSlug, connection }: { orgSlug: string; connection: ConfluenceActionTarget }) {
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: connectionKeys.confluence(orgSlug), exact: true });
  const [confirming, setConfirming] = useState(false);
  const connect = useMutation({
    mutationFn: () => authorizeConfluence(orgSlug, connection.id),
    onSuccess: ({ authorizeUrl }) => window.location.assign(authorizeUrl),
  });
  const sync = useMutation({
    mutationFn: () => syncConfluence(orgSlug, connection.id),
    onSuccess: refresh,
  });
  // Shown at once; put back if the server refuses.
  const [include, setInclude] = useState(connection.includeRestricted);
  const restricted = useMutation({
    mutationFn: (includeRestricted: boolean) => setConfluenceRestricted(orgSlug, connection.id, includeRestricted),
    onMutate: (includeRestricted) => setInclude(includeRestricted),
    onError: () => setInclude(connection.includeRestricted),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => deleteConfluence(orgSlug, connection.id),
    onSuccess: () => {
      // Its spaces are gone with it: drop them rather than ask again.
      queryClient.removeQueries({ queryKey: connectionKeys.confluenceOne(orgSlug, connection.id) });
      return refresh();
    },
  });
  const error = connect.error ?? sync.error ?? restricted.error ?? remove.error;
  return (
    <div className="mt-2 flex flex-col gap-2">
      <div className="flex flex-wrap gap-2">
        <Button
          variant={connection.site && connection.status === "active" ? "secondary" : "primary"}
          disabled={connect.isPending}
          onClick={() => connect.mutate()}
        >
          {connection.site ? "Connect again" : "Connect to Atlassian"}
        </Button>
        {Boolean(connection.site && connection.spaces) && (
          <Button variant="secondary" disabled={sync.isPending} onClick={() => sync.mutate()}>
            Sync now
          </Button>
        )}
        {confirming ? (
          <>
            <Button variant="danger" disabled={remove.isPending} onClick={() => remove.mutate()}>
              Delete {connection.name} and its documents
            </Button>
            <Button variant="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </>
        ) : (
          <Button variant="secondary" onClick={() => setConfirming(true)}>
            Delete…
          </Button>
        )}
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={include} disabled={restricted.isPending} onChange={(e) => restricted.mutate(e.target.checked)} />
        Index pages with view restrictions (every member of this organisation can then read them)
      </label>
      {error ? <Notice kind="error">{formError(error, [])}</Notice> : null}
    </div>
  );
}
