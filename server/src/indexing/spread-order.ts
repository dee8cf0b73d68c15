/**
 * The order in which an index run writes new blobs, which becomes their order in the chunk
 * table: path order interleaved, so that a search that stops after a page finds the matches
 * of any pattern spread through the table (see docs/design/search-index.md, data layout).
 */

/** Parts of the path order that spreadOrder interleaves, and the run of neighbours it keeps together. */
const SPREAD_SEGMENTS = 64;
const SPREAD_RUN = 32;

/**
 * The order in which new blobs are read, and so in which their chunks land in the table:
 * `items` (in path order) cut into SPREAD_SEGMENTS parts, then runs of SPREAD_RUN taken from
 * each part in turn. A search stops reading once it holds a page of files, and the trigram
 * scan reads the table in physical order, so in path order the matches of a pattern that
 * lives in a few directories came only after every other directory's candidates (a phrase
 * took 250 ms to its first page). Interleaved, every stretch of the table holds a share of
 * every part, and a page costs about (page / matches) of the candidates. Runs of neighbours
 * stay together because similar files side by side keep the GIN posting lists compact (a
 * fully random order made the trigram index 10% larger).
 */
export function spreadOrder<T>(items: T[], segments = SPREAD_SEGMENTS, run = SPREAD_RUN): T[] {
  const size = Math.ceil(items.length / segments);
  if (size <= run) return items;
  const out: T[] = [];
  for (let offset = 0; offset < size; offset += run) {
    for (let start = 0; start < items.length; start += size) out.push(...items.slice(start + offset, Math.min(start + offset + run, start + size)));
  }
  return out;
}
